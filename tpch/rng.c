/*
 * rng.c — dbgen's random number streams: the seed table, skipping ahead
 * (NthElement: seed * A^n mod M by square-and-multiply) and the small power
 * table used to advance a stream to its per-row boundary.
 *
 * The initial seeds and per-row boundaries are the values of dbgen 2.17.3
 * (rnd.h); they are facts of the data set, not tunables.
 */
#include "tpch/tpch_int.h"

#define PS_PER_PART 4
#define LINES_MAX   7

const TpchStreamDef tpch__streams[TPCH_NSTREAMS] = {
    [S_P_MFG] = {TPCH_U_PART, 1, 1},
    [S_P_BRND] = {TPCH_U_PART, 46831694, 1},
    [S_P_TYPE] = {TPCH_U_PART, 1841581359, 1},
    [S_P_SIZE] = {TPCH_U_PART, 1193163244, 1},
    [S_P_CNTR] = {TPCH_U_PART, 727633698, 1},
    [S_TEXT] = {TPCH_U_NONE, 933588178, 1},
    [S_P_CMNT] = {TPCH_U_PART, 804159733, 2},
    [S_PS_QTY] = {TPCH_U_PART, 1671059989, PS_PER_PART},
    [S_PS_SCST] = {TPCH_U_PART, 1051288424, PS_PER_PART},
    [S_PS_CMNT] = {TPCH_U_PART, 1961692154, PS_PER_PART * 2},
    [S_O_SUPP] = {TPCH_U_ORDER, 1227283347, 1},
    [S_O_CLRK] = {TPCH_U_ORDER, 1171034773, 1},
    [S_O_CMNT] = {TPCH_U_ORDER, 276090261, 2},
    [S_O_ODATE] = {TPCH_U_ORDER, 1066728069, 1},
    [S_L_QTY] = {TPCH_U_ORDER, 209208115, LINES_MAX},
    [S_L_DCNT] = {TPCH_U_ORDER, 554590007, LINES_MAX},
    [S_L_TAX] = {TPCH_U_ORDER, 721958466, LINES_MAX},
    [S_L_SHIP] = {TPCH_U_ORDER, 1371272478, LINES_MAX},
    [S_L_SMODE] = {TPCH_U_ORDER, 675466456, LINES_MAX},
    [S_L_PKEY] = {TPCH_U_ORDER, 1808217256, LINES_MAX},
    [S_L_SKEY] = {TPCH_U_ORDER, 2095021727, LINES_MAX},
    [S_L_SDTE] = {TPCH_U_ORDER, 1769349045, LINES_MAX},
    [S_L_CDTE] = {TPCH_U_ORDER, 904914315, LINES_MAX},
    [S_L_RDTE] = {TPCH_U_ORDER, 373135028, LINES_MAX},
    [S_L_RFLG] = {TPCH_U_ORDER, 717419739, LINES_MAX},
    [S_L_CMNT] = {TPCH_U_ORDER, 1095462486, LINES_MAX * 2},
    [S_C_ADDR] = {TPCH_U_CUST, 881155353, 9},
    [S_C_NTRG] = {TPCH_U_CUST, 1489529863, 1},
    [S_C_PHNE] = {TPCH_U_CUST, 1521138112, 3},
    [S_C_ABAL] = {TPCH_U_CUST, 298370230, 1},
    [S_C_MSEG] = {TPCH_U_CUST, 1140279430, 1},
    [S_C_CMNT] = {TPCH_U_CUST, 1335826707, 2},
    [S_S_ADDR] = {TPCH_U_SUPP, 706178559, 9},
    [S_S_NTRG] = {TPCH_U_SUPP, 110356601, 1},
    [S_S_PHNE] = {TPCH_U_SUPP, 884434366, 3},
    [S_S_ABAL] = {TPCH_U_SUPP, 962338209, 1},
    [S_S_CMNT] = {TPCH_U_SUPP, 1341315363, 2},
    [S_P_NAME] = {TPCH_U_PART, 709314158, 92},
    [S_O_PRIO] = {TPCH_U_ORDER, 591449447, 1},
    [S_HVAR] = {TPCH_U_ORDER, 431918286, 1},
    [S_O_CKEY] = {TPCH_U_ORDER, 851767375, 1},
    [S_N_CMNT] = {TPCH_U_NATION, 606179079, 2},
    [S_R_CMNT] = {TPCH_U_REGION, 1500869201, 2},
    [S_O_LCNT] = {TPCH_U_ORDER, 1434868289, 1},
    [S_BBB_JNK] = {TPCH_U_SUPP, 263032577, 1},
    [S_BBB_TYPE] = {TPCH_U_SUPP, 753643799, 1},
    [S_BBB_CMNT] = {TPCH_U_SUPP, 202794285, 1},
    [S_BBB_OFFSET] = {TPCH_U_SUPP, 715851524, 1},
};

int64_t tpch__pow_a[256];

int64_t
tpch__skip(int64_t s, int64_t n)
{
    int64_t mult = TPCH_RNG_A;
    while (n > 0) {
        if (n & 1) s = (mult * s) % TPCH_RNG_M;
        n >>= 1;
        mult = (mult * mult) % TPCH_RNG_M;
    }
    return s;
}

void
tpch__rng_init(void)
{
    tpch__pow_a[0] = 1;
    for (int k = 1; k < 256; k++) tpch__pow_a[k] = (tpch__pow_a[k - 1] * TPCH_RNG_A) % TPCH_RNG_M;
}
