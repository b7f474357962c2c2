/*
 * mailauth: the ARC and Authentication-Results commands (placeholder).
 */
#include "cli.h"

int cmd_arc_verify(cli *c, int argc, char **argv)
{
    (void)c; (void)argc; (void)argv;
    errmsg("arc-verify: not built yet");
    return CLI_ERROR;
}

int cmd_arc_seal(cli *c, int argc, char **argv)
{
    (void)c; (void)argc; (void)argv;
    errmsg("arc-seal: not built yet");
    return CLI_ERROR;
}

int cmd_authres(cli *c, int argc, char **argv)
{
    (void)c; (void)argc; (void)argv;
    errmsg("authres: not built yet");
    return CLI_ERROR;
}
