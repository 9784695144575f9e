/*
 * dists.c — the distributions of dbgen's dists.dss, embedded as C tables:
 * word lists and weights for the text grammar, and the value lists of the
 * TPC-H columns (types, containers, segments, priorities, nations, ...).
 *
 * pick_str() semantics: draw j uniformly in [1, sum of weights] and take the
 * first entry whose cumulative weight reaches j. We precompute that mapping
 * as a byte table per distribution, so a pick is one draw and one load.
 *
 * Interface routines: tpch__init(), tpch__pick() (inline), tpch__nation_region().
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "tpch/tpch_int.h"

#define E1(s) \
    {         \
        s, 1  \
    }

static const TpchDistEntry d_category[] = {E1("FURNITURE"), E1("STORAGE EQUIP"), E1("TOOLS"),
                                           E1("MACHINE TOOLS"), E1("OTHER")};
static const TpchDistEntry d_instruct[] = {E1("DELIVER IN PERSON"), E1("COLLECT COD"),
                                           E1("TAKE BACK RETURN"), E1("NONE")};
static const TpchDistEntry d_msegmnt[] = {E1("AUTOMOBILE"), E1("BUILDING"), E1("FURNITURE"),
                                          E1("HOUSEHOLD"), E1("MACHINERY")};
static const TpchDistEntry d_p_names[] = {E1("CLEANER"), E1("SOAP"), E1("DETERGENT"), E1("EXTRA")};
/* Nation weights are increments: their running sum is the region key. */
static const TpchDistEntry d_nations[] = {
    {"ALGERIA", 0},       {"ARGENTINA", 1}, {"BRAZIL", 0}, {"CANADA", 0},
    {"EGYPT", 3},         {"ETHIOPIA", -4}, {"FRANCE", 3}, {"GERMANY", 0},
    {"INDIA", -1},        {"INDONESIA", 0}, {"IRAN", 2},   {"IRAQ", 0},
    {"JAPAN", -2},        {"JORDAN", 2},    {"KENYA", -4}, {"MOROCCO", 0},
    {"MOZAMBIQUE", 0},    {"PERU", 1},      {"CHINA", 1},  {"ROMANIA", 1},
    {"SAUDI ARABIA", 1},  {"VIETNAM", -2},  {"RUSSIA", 1}, {"UNITED KINGDOM", 0},
    {"UNITED STATES", -2}};
static const TpchDistEntry d_nations2[] = {
    E1("ALGERIA"),      E1("ARGENTINA"),  E1("BRAZIL"),  E1("CANADA"),         E1("EGYPT"),
    E1("ETHIOPIA"),     E1("FRANCE"),     E1("GERMANY"), E1("INDIA"),          E1("INDONESIA"),
    E1("IRAN"),         E1("IRAQ"),       E1("JAPAN"),   E1("JORDAN"),         E1("KENYA"),
    E1("MOROCCO"),      E1("MOZAMBIQUE"), E1("PERU"),    E1("CHINA"),          E1("ROMANIA"),
    E1("SAUDI ARABIA"), E1("VIETNAM"),    E1("RUSSIA"),  E1("UNITED KINGDOM"), E1("UNITED STATES")};
static const TpchDistEntry d_regions[] = {E1("AFRICA"), E1("AMERICA"), E1("ASIA"), E1("EUROPE"),
                                          E1("MIDDLE EAST")};
static const TpchDistEntry d_o_oprio[] = {E1("1-URGENT"), E1("2-HIGH"), E1("3-MEDIUM"),
                                          E1("4-NOT SPECIFIED"), E1("5-LOW")};
static const TpchDistEntry d_rflag[] = {E1("R"), E1("A")};
static const TpchDistEntry d_smode[] = {E1("REG AIR"), E1("AIR"), E1("RAIL"), E1("TRUCK"),
                                        E1("MAIL"),    E1("FOB"), E1("SHIP")};
static const TpchDistEntry d_colors[] = {
    E1("almond"),    E1("antique"),   E1("aquamarine"), E1("azure"),      E1("beige"),
    E1("bisque"),    E1("black"),     E1("blanched"),   E1("blue"),       E1("blush"),
    E1("brown"),     E1("burlywood"), E1("burnished"),  E1("chartreuse"), E1("chiffon"),
    E1("chocolate"), E1("coral"),     E1("cornflower"), E1("cornsilk"),   E1("cream"),
    E1("cyan"),      E1("dark"),      E1("deep"),       E1("dim"),        E1("dodger"),
    E1("drab"),      E1("firebrick"), E1("floral"),     E1("forest"),     E1("frosted"),
    E1("gainsboro"), E1("ghost"),     E1("goldenrod"),  E1("green"),      E1("grey"),
    E1("honeydew"),  E1("hot"),       E1("indian"),     E1("ivory"),      E1("khaki"),
    E1("lace"),      E1("lavender"),  E1("lawn"),       E1("lemon"),      E1("light"),
    E1("lime"),      E1("linen"),     E1("magenta"),    E1("maroon"),     E1("medium"),
    E1("metallic"),  E1("midnight"),  E1("mint"),       E1("misty"),      E1("moccasin"),
    E1("navajo"),    E1("navy"),      E1("olive"),      E1("orange"),     E1("orchid"),
    E1("pale"),      E1("papaya"),    E1("peach"),      E1("peru"),       E1("pink"),
    E1("plum"),      E1("powder"),    E1("puff"),       E1("purple"),     E1("red"),
    E1("rose"),      E1("rosy"),      E1("royal"),      E1("saddle"),     E1("salmon"),
    E1("sandy"),     E1("seashell"),  E1("sienna"),     E1("sky"),        E1("slate"),
    E1("smoke"),     E1("snow"),      E1("spring"),     E1("steel"),      E1("tan"),
    E1("thistle"),   E1("tomato"),    E1("turquoise"),  E1("violet"),     E1("wheat"),
    E1("white"),     E1("yellow")};
static const TpchDistEntry d_nouns[] = {
    {"packages", 40},     {"requests", 40},     {"accounts", 40},    {"deposits", 40},
    {"foxes", 20},        {"ideas", 20},        {"theodolites", 20}, {"pinto beans", 20},
    {"instructions", 20}, {"dependencies", 10}, {"excuses", 10},     {"platelets", 10},
    {"asymptotes", 10},   {"courts", 5},        {"dolphins", 5},     E1("multipliers"),
    E1("sauternes"),      E1("warthogs"),       E1("frets"),         E1("dinos"),
    E1("attainments"),    E1("somas"),          E1("Tiresias"),      E1("patterns"),
    E1("forges"),         E1("braids"),         E1("frays"),         E1("warhorses"),
    E1("dugouts"),        E1("notornis"),       E1("epitaphs"),      E1("pearls"),
    E1("tithes"),         E1("waters"),         E1("orbits"),        E1("gifts"),
    E1("sheaves"),        E1("depths"),         E1("sentiments"),    E1("decoys"),
    E1("realms"),         E1("pains"),          E1("grouches"),      E1("escapades"),
    E1("hockey players")};
static const TpchDistEntry d_verbs[] = {
    {"sleep", 20}, {"wake", 20},  {"are", 20},   {"cajole", 20}, {"haggle", 20},   {"nag", 10},
    {"use", 10},   {"boost", 10}, {"affix", 5},  {"detect", 5},  {"integrate", 5}, E1("maintain"),
    E1("nod"),     E1("was"),     E1("lose"),    E1("sublate"),  E1("solve"),      E1("thrash"),
    E1("promise"), E1("engage"),  E1("hinder"),  E1("print"),    E1("x-ray"),      E1("breach"),
    E1("eat"),     E1("grow"),    E1("impress"), E1("mold"),     E1("poach"),      E1("serve"),
    E1("run"),     E1("dazzle"),  E1("snooze"),  E1("doze"),     E1("unwind"),     E1("kindle"),
    E1("play"),    E1("hang"),    E1("believe"), E1("doubt")};
static const TpchDistEntry d_adverbs[] = {
    E1("sometimes"),   E1("always"),     E1("never"),      {"furiously", 50}, {"slyly", 50},
    {"carefully", 50}, {"blithely", 40}, {"quickly", 30},  {"fluffily", 20},  E1("slowly"),
    E1("quietly"),     E1("ruthlessly"), E1("thinly"),     E1("closely"),     E1("doggedly"),
    E1("daringly"),    E1("bravely"),    E1("stealthily"), E1("permanently"), E1("enticingly"),
    E1("idly"),        E1("busily"),     E1("regularly"),  E1("finally"),     E1("ironically"),
    E1("evenly"),      E1("boldly"),     E1("silently")};
static const TpchDistEntry d_articles[] = {{"the", 50}, {"a", 20}, {"an", 5}};
static const TpchDistEntry d_prepositions[] = {{"about", 50},
                                               {"above", 50},
                                               {"according to", 50},
                                               {"across", 50},
                                               {"after", 50},
                                               {"against", 40},
                                               {"along", 40},
                                               {"alongside of", 30},
                                               {"among", 30},
                                               {"around", 20},
                                               {"at", 10},
                                               E1("atop"),
                                               E1("before"),
                                               E1("behind"),
                                               E1("beneath"),
                                               E1("beside"),
                                               E1("besides"),
                                               E1("between"),
                                               E1("beyond"),
                                               E1("by"),
                                               E1("despite"),
                                               E1("during"),
                                               E1("except"),
                                               E1("for"),
                                               E1("from"),
                                               E1("in place of"),
                                               E1("inside"),
                                               E1("instead of"),
                                               E1("into"),
                                               E1("near"),
                                               E1("of"),
                                               E1("on"),
                                               E1("outside"),
                                               E1("over"),
                                               E1("past"),
                                               E1("since"),
                                               E1("through"),
                                               E1("throughout"),
                                               E1("to"),
                                               E1("toward"),
                                               E1("under"),
                                               E1("until"),
                                               E1("up"),
                                               E1("upon"),
                                               E1("whithout"),
                                               E1("with"),
                                               E1("within")};
static const TpchDistEntry d_auxillaries[] = {E1("do"),
                                              E1("may"),
                                              E1("might"),
                                              E1("shall"),
                                              E1("will"),
                                              E1("would"),
                                              E1("can"),
                                              E1("could"),
                                              E1("should"),
                                              E1("ought to"),
                                              E1("must"),
                                              E1("will have to"),
                                              E1("shall have to"),
                                              E1("could have to"),
                                              E1("should have to"),
                                              E1("must have to"),
                                              E1("need to"),
                                              E1("try to")};
static const TpchDistEntry d_terminators[] = {{".", 50}, E1(";"), E1(":"),
                                              E1("?"),   E1("!"), E1("--")};
static const TpchDistEntry d_adjectives[] = {
    {"special", 20}, {"pending", 20}, {"unusual", 20}, {"express", 20}, E1("furious"),
    E1("sly"),       E1("careful"),   E1("blithe"),    E1("quick"),     E1("fluffy"),
    E1("slow"),      E1("quiet"),     E1("ruthless"),  E1("thin"),      E1("close"),
    E1("dogged"),    E1("daring"),    E1("brave"),     E1("stealthy"),  E1("permanent"),
    E1("enticing"),  E1("idle"),      E1("busy"),      {"regular", 50}, {"final", 40},
    {"ironic", 40},  {"even", 30},    {"bold", 20},    {"silent", 10}};
static const TpchDistEntry d_grammar[] = {
    {"N V T", 3}, {"N V P T", 3}, {"N V N T", 3}, {"N P V N T", 1}, {"N P V P T", 1}};
static const TpchDistEntry d_np[] = {{"N", 10}, {"J N", 20}, {"J, J N", 10}, {"D J N", 50}};
static const TpchDistEntry d_vp[] = {{"V", 30}, {"X V", 1}, {"V D", 40}, {"X V D", 1}};
static const TpchDistEntry d_q13a[] = {
    {"special", 20}, {"pending", 20}, {"unusual", 20}, {"express", 20}};
static const TpchDistEntry d_q13b[] = {
    {"packages", 40}, {"requests", 40}, {"accounts", 40}, {"deposits", 40}};

/* p_types and p_cntr are the cross products of their syllables, in the
 * order dists.dss lists them. */
static const char *const type_s1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const type_s2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const type_s3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const cntr_s1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const cntr_s2[] = {"CASE", "BOX", "BAG", "JAR", "PACK", "PKG", "CAN", "DRUM"};
static char type_text[150][32];
static char cntr_text[40][16];
static TpchDistEntry d_p_types[150];
static TpchDistEntry d_p_cntr[40];

#define DIST(name, arr)                                 \
    {                                                   \
        name, (int)K_ARRAY_LEN(arr), arr, NULL, 0, NULL \
    }
TpchDist tpch__dists[TPCH_NDISTS] = {
    [D_CATEGORY] = DIST("category", d_category),
    [D_P_CNTR] = DIST("p_cntr", d_p_cntr),
    [D_INSTRUCT] = DIST("instruct", d_instruct),
    [D_MSEGMNT] = DIST("msegmnt", d_msegmnt),
    [D_P_NAMES] = DIST("p_names", d_p_names),
    [D_NATIONS] = DIST("nations", d_nations),
    [D_NATIONS2] = DIST("nations2", d_nations2),
    [D_REGIONS] = DIST("regions", d_regions),
    [D_O_OPRIO] = DIST("o_oprio", d_o_oprio),
    [D_RFLAG] = DIST("rflag", d_rflag),
    [D_SMODE] = DIST("smode", d_smode),
    [D_P_TYPES] = DIST("p_types", d_p_types),
    [D_COLORS] = DIST("colors", d_colors),
    [D_NOUNS] = DIST("nouns", d_nouns),
    [D_VERBS] = DIST("verbs", d_verbs),
    [D_ADVERBS] = DIST("adverbs", d_adverbs),
    [D_ARTICLES] = DIST("articles", d_articles),
    [D_PREPOSITIONS] = DIST("prepositions", d_prepositions),
    [D_AUXILLARIES] = DIST("auxillaries", d_auxillaries),
    [D_TERMINATORS] = DIST("terminators", d_terminators),
    [D_ADJECTIVES] = DIST("adjectives", d_adjectives),
    [D_GRAMMAR] = DIST("grammar", d_grammar),
    [D_NP] = DIST("np", d_np),
    [D_VP] = DIST("vp", d_vp),
    [D_Q13A] = DIST("Q13a", d_q13a),
    [D_Q13B] = DIST("Q13b", d_q13b),
};

static int nation_region[25];
/* Storage for the pick tables and lengths of all distributions. */
static uint8_t pick_store[8192];
static uint8_t len_store[1024];

static void
init_once(void)
{
    int n = 0;
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 5; c++, n++) {
                snprintf(type_text[n], sizeof(type_text[n]), "%s %s %s", type_s1[a], type_s2[b],
                         type_s3[c]);
                d_p_types[n].text = type_text[n];
                d_p_types[n].weight = 1;
            }
    n = 0;
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 8; b++, n++) {
            snprintf(cntr_text[n], sizeof(cntr_text[n]), "%s %s", cntr_s1[a], cntr_s2[b]);
            d_p_cntr[n].text = cntr_text[n];
            d_p_cntr[n].weight = 1;
        }

    size_t pick_used = 0, len_used = 0;
    for (int i = 0; i < TPCH_NDISTS; i++) {
        TpchDist *d = &tpch__dists[i];
        int32_t total = 0;
        d->lens = len_store + len_used;
        len_used += (size_t)d->count;
        for (int k = 0; k < d->count; k++) {
            total += d->entries[k].weight;
            d->lens[k] = (uint8_t)strlen(d->entries[k].text);
        }
        d->total = total;
        if (i == D_NATIONS) {
            int cum = 0;
            for (int k = 0; k < d->count; k++) {
                cum += d->entries[k].weight;
                nation_region[k] = cum;
            }
            d->pick = NULL; /* never picked by weight */
            continue;
        }
        d->pick = pick_store + pick_used;
        pick_used += (size_t)total + 1;
        K_ASSERT(pick_used <= sizeof(pick_store));
        int32_t cum = 0;
        int k = 0;
        d->pick[0] = 0;
        for (int32_t j = 1; j <= total; j++) {
            while (cum + d->entries[k].weight < j) {
                cum += d->entries[k].weight;
                k++;
            }
            d->pick[j] = (uint8_t)k;
        }
    }
    K_ASSERT(len_used <= sizeof(len_store));
    tpch__rng_init();
    /* the dbgen dates: index 0 is 1992-01-01, 2557 days */
    for (int d = 0; d < 2557; d++) {
        int y, m, dd;
        k_date_to_ymd(k_date_from_ymd(1992, 1, 1) + d, &y, &m, &dd);
        snprintf(tpch__dates[d], sizeof(tpch__dates[d]), "%04d-%02d-%02d", y, m, dd);
    }
}

char tpch__dates[2557][11];

void
tpch__init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

int
tpch__nation_region(int i)
{
    return nation_region[i];
}
