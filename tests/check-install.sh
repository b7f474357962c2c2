#!/bin/sh
# TAP: install into a staging directory (make install DESTDIR=...), then use
# the installed copy the way a user would: build examples/minimal.c through
# pkg-config, run it, and run the installed mailauth.
. "$srcdir/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-install.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
dest="$tmp/dest"

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

# show FILE: the start of FILE as TAP diagnostics.
show() {
    sed -n '1,20s/^/#   /p' "$1"
}

# The installation directories, as configured: the Makefile has lines such as
# "libdir = ${exec_prefix}/lib", which the shell can expand in order.
for v in prefix exec_prefix bindir libdir includedir; do
    val=$(sed -n "s/^$v = //p" "$abs_top_builddir/Makefile")
    eval "$v=\"$val\""
done
tap_is "$(echo "$prefix" | cut -c1)" "/" "prefix from the build's Makefile is absolute ($prefix)"

# Install quietly.  MAKEFLAGS from the make running this test (jobserver,
# TESTS=...) is not meant for this make.
if MAKEFLAGS= MFLAGS= ${MAKE:-make} -s -C "$abs_top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
    tap_ok 0 "make install DESTDIR=..."
else
    tap_ok 1 "make install DESTDIR=..."
    show "$tmp/install.log"
    tap_done
    exit 1
fi

# The headers: exactly the public ones, the generated version.h included.
want=$( (cd "$abs_top_srcdir/include/mailauth" && ls *.h; echo version.h) | sort -u | tr '\n' ' ')
got=$( (cd "$dest$includedir/mailauth" 2>/dev/null && ls) | sort | tr '\n' ' ')
tap_is "$got" "$want" "installed headers: include/mailauth/*.h and version.h"

ls "$dest$libdir"/libmailauth.* >/dev/null 2>&1
tap_ok $? "library installed in $libdir"
if [ -f "$dest$libdir/libmailauth.so" ] || [ -f "$abs_top_builddir/src/.libs/libmailauth.so" ]; then
    shared=yes
    [ -f "$dest$libdir/libmailauth.so" ]
    tap_ok $? "shared library installed"
else
    shared=no
    tap_skip "shared library not built (--disable-shared)"
fi
[ -f "$dest$libdir/pkgconfig/libmailauth.pc" ]
tap_ok $? "pkg-config file installed"
[ -x "$dest$bindir/mailauth" ]
tap_ok $? "mailauth installed in $bindir"

LD_LIBRARY_PATH="$dest$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
version=$(sed -n 's/^#define MA_VERSION_STRING "\(.*\)"$/\1/p' "$abs_top_builddir/include/mailauth/version.h")

# The installed mailauth runs and reports the version.
got=$("$dest$bindir/mailauth" --version 2>"$tmp/err")
tap_is "$?|$got" "0|mailauth $version" "installed mailauth --version"

# Build minimal.c against the installed copy, through pkg-config only.
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
    tap_skip "pkg-config not found: minimal.c not built"
    tap_skip "pkg-config not found: minimal.c not run"
    tap_done
    exit $?
fi
PKG_CONFIG_PATH="$dest$libdir/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
pcflags=$("$PKG_CONFIG" --cflags libmailauth 2>"$tmp/pc.err")
rc1=$?
if [ $shared = yes ]; then
    pclibs=$("$PKG_CONFIG" --libs libmailauth 2>>"$tmp/pc.err")
else
    pclibs=$("$PKG_CONFIG" --static --libs libmailauth 2>>"$tmp/pc.err")
fi
rc2=$?
tap_is "$rc1$rc2|$("$PKG_CONFIG" --modversion libmailauth 2>&1)" "00|$version" "pkg-config knows the installed libmailauth"
[ -s "$tmp/pc.err" ] && show "$tmp/pc.err"
case " $pcflags " in
    *" -I$dest$includedir "*) f=yes ;;
    *) f=no ;;
esac
tap_is "$f" yes "pkg-config --cflags points at the installed headers"

# build_minimal LIBS...: compile and link minimal.c with the flags given.
build_minimal() {
    # shellcheck disable=SC2086  # word splitting of the flags is intended
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror $MA_SAN_CFLAGS $pcflags \
        -o "$tmp/minimal" "$abs_top_srcdir/examples/minimal.c" "$@"
}

linked=no
# shellcheck disable=SC2086
if build_minimal $pclibs >"$tmp/cc.log" 2>&1; then
    linked=yes
elif [ $shared = no ]; then
    # Static library only: "pkg-config --static" names the dependencies'
    # own private libraries too, whose static or development files may be
    # missing here (libunistring behind libidn2...).  Link the dependencies
    # dynamically instead, as most users of libmailauth.a do.
    echo "# fully static link failed; linking the dependencies dynamically:"
    sed -n '1,5s/^/#   /p' "$tmp/cc.log"
    deps=$("$PKG_CONFIG" --print-requires-private libmailauth | awk '{ print $1 }')
    # shellcheck disable=SC2086
    if build_minimal $("$PKG_CONFIG" --libs libmailauth $deps) -pthread >"$tmp/cc.log" 2>&1; then
        linked=yes
    fi
fi
if [ $linked = yes ]; then
    tap_ok 0 "minimal.c builds against the installed copy"
    got=$("$tmp/minimal" 2>"$tmp/err")
    tap_is "$?|$got" "0|v=spf1 ip4:192.0.2.0/24 -all
libmailauth $version (headers $version)" "minimal runs against the installed library"
    [ -s "$tmp/err" ] && show "$tmp/err"
else
    tap_ok 1 "minimal.c builds against the installed copy"
    show "$tmp/cc.log"
    tap_skip "minimal not built"
fi

tap_done
