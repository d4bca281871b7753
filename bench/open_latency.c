/* open()+close() latency over every regular file of a directory, the
 * on-access benchmark's probe (bench/onaccess.sh).
 *
 *     open_latency DIR [LABEL]
 *     {"label":"cold","files":10000,"errors":0,"mean_us":41.2,"p50_us":35.1,"p99_us":120.4,
 *      "max_us":900.2,"total_s":0.41}
 *
 * Each open is timed alone with CLOCK_MONOTONIC around open(O_RDONLY) and
 * close(): with vigild running that span holds the fanotify round trip (and
 * the scan when the verdict is not cached). The file list is read first,
 * sorted, so every pass opens the same files in the same order. A failed
 * open is counted, not timed. Standalone: cc -O2 -o open_latency open_latency.c */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: open_latency DIR [LABEL]\n");
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (d == NULL) {
        perror(argv[1]);
        return 2;
    }
    size_t n = 0, cap = 1024;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type != DT_REG)
            continue;
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
        }
        if (asprintf(&names[n], "%s/%s", argv[1], de->d_name) < 0)
            return 2;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    double *lat = malloc((n ? n : 1) * sizeof *lat);
    size_t ok = 0, errors = 0;
    double t_start = now_us();
    for (size_t i = 0; i < n; i++) {
        double t0 = now_us();
        int fd = open(names[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            errors++;
            continue;
        }
        close(fd);
        lat[ok++] = now_us() - t0;
    }
    double total = now_us() - t_start;
    qsort(lat, ok, sizeof *lat, cmp_dbl);
    double sum = 0;
    for (size_t i = 0; i < ok; i++)
        sum += lat[i];
    printf("{\"label\":\"%s\",\"files\":%zu,\"errors\":%zu,\"mean_us\":%.2f,\"p50_us\":%.2f,"
           "\"p99_us\":%.2f,\"max_us\":%.2f,\"total_s\":%.3f}\n",
           argc > 2 ? argv[2] : "", ok, errors, ok ? sum / (double)ok : 0.0, ok ? lat[ok / 2] : 0.0,
           ok ? lat[(size_t)((double)ok * 0.99)] : 0.0, ok ? lat[ok - 1] : 0.0, total / 1e6);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(lat);
    return errors ? 1 : 0;
}
