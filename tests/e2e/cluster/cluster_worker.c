/*
 * cluster_worker.c — a stand-alone worker process for the cluster e2e test
 * (the same entry point kestreld --worker will call): see
 * net_cl_worker_main in net/cluster.h for the flags.
 */
#include "net/cluster.h"

int
main(int argc, char **argv)
{
    return net_cl_worker_main(argc, argv);
}
