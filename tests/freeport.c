/*
 * freeport: print a port number free for both UDP and TCP on 127.0.0.1,
 * for test servers.  It binds a UDP socket to port 0, then a TCP socket to
 * the port the kernel chose, prints it and closes both (another process
 * could take it in between; the tests accept that small race).
 * Exit status 0 on success, 1 when no port was found.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_loopback(int type, unsigned port, unsigned *bound)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *bound = ntohs(sa.sin_port);
    return fd;
}

int main(void)
{
    int attempt;
    for (attempt = 0; attempt < 100; attempt++) {
        unsigned port, same;
        int u = bind_loopback(SOCK_DGRAM, 0, &port);
        int t;
        if (u < 0)
            return 1;
        t = bind_loopback(SOCK_STREAM, port, &same);
        close(u);
        if (t >= 0) {
            close(t);
            printf("%u\n", port);
            return 0;
        }
    }
    return 1;
}
