/*
 * Shared by the benchmarks: run this program again as a child (so that
 * its peak RSS is one library's) and read the first line it prints.
 * Include once, in the program's one source file.
 */
#ifndef BENCH_CHILD_H
#define BENCH_CHILD_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run self with argv (argv[0] names the program in messages), its standard
 * output into a pipe, and read its first line into line (size bytes, ""
 * when it printed nothing).  Returns NULL when the child ran and exited 0,
 * else what failed: "pipe", "fork", "fdopen", "waitpid" (errno set), or
 * "child" (it did not exit 0).
 */
static const char *bench_child_line(const char *self, char *const argv[], char *line, size_t size)
{
    int fds[2], status;
    pid_t pid;
    FILE *in;

    line[0] = '\0';
    if (pipe(fds) != 0)
        return "pipe";
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return "fork";
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 1) < 0)
            _exit(127);
        close(fds[1]);
        execv(self, argv);
        fprintf(stderr, "%s: cannot run %s: %s\n", argv[0], self, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    in = fdopen(fds[0], "r");
    if (in == NULL)
        return "fdopen";
    if (fgets(line, (int)size, in) == NULL)
        line[0] = '\0';
    fclose(in);
    if (waitpid(pid, &status, 0) < 0)
        return "waitpid";
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "child";
    return NULL;
}

#endif /* BENCH_CHILD_H */
