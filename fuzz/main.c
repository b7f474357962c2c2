/*
 * Replays a harness's seed corpus (fuzz/<name>.in/) and crash reproducers
 * (fuzz/<name>.repro/, when present) without libFuzzer, so that `make check`
 * runs every fuzzer as a regression test.  Prints TAP: one line per file.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzer.h"

static int n_run;

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        FILE *f;
        long size;
        unsigned char *buf;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f = fopen(path, "rb");
        if (f == NULL)
            continue;
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(size > 0 ? (size_t)size : 1);
        if (buf == NULL || (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size)) {
            fclose(f);
            free(buf);
            printf("not ok %d - %s: unreadable\n", ++n_run, e->d_name);
            continue;
        }
        fclose(f);
        /* A crash aborts the program and the driver reports the failure. */
        LLVMFuzzerTestOneInput(buf, (size_t)size);
        free(buf);
        printf("ok %d - %s %s\n", ++n_run, MA_FUZZ_NAME, e->d_name);
    }
    closedir(d);
    return 0;
}

int main(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s.in", MA_FUZZ_SRCDIR, MA_FUZZ_NAME);
    replay_dir(dir);
    snprintf(dir, sizeof dir, "%s/%s.repro", MA_FUZZ_SRCDIR, MA_FUZZ_NAME);
    replay_dir(dir);
    if (n_run == 0)
        printf("not ok 1 - %s: empty corpus\n", MA_FUZZ_NAME), n_run = 1;
    printf("1..%d\n", n_run);
    return 0;
}
