#!/bin/sh
# TAP: the installed public headers (include/mailauth/*.h and the generated
# version.h) each compile on their own as C99, C89 and C++11 with -pedantic
# -Wall -Wextra -Werror; they are self-contained (include guard, only
# standard or public headers included, C linkage in C++); every one is
# installed; every MA_EXTERN function has a doc comment right above it.
. "$srcdir/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-headers.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT

# tap_skip DESCRIPTION: a skipped test.
tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

# show_log: the start of the compiler's complaints, as TAP diagnostics.
show_log() {
    sed -n '1,15s/^/#   /p' "$tmp/log"
}

# ma_functions FILE: the names of the functions declared with MA_EXTERN.
ma_functions() {
    sed -n 's/^[[:space:]]*MA_EXTERN([^)]*)[[:space:]*]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' "$1"
}

# Lay the headers out as they are installed, so that nothing from the source
# or build tree (config.h, internal headers) can be found by accident.
inc="$tmp/include"
mkdir -p "$inc/mailauth"
headers=
for h in "$abs_top_srcdir"/include/mailauth/*.h; do
    b=$(basename "$h")
    [ "$b" = version.h ] && continue   # the generated one comes from the build tree
    cp "$h" "$inc/mailauth/$b"
    headers="$headers $b"
done
if [ -f "$abs_top_builddir/include/mailauth/version.h" ]; then
    cp "$abs_top_builddir/include/mailauth/version.h" "$inc/mailauth/version.h"
    headers="$headers version.h"
    tap_ok 0 "generated version.h exists"
else
    tap_ok 1 "generated version.h exists"
fi

# Every header in the directory is installed: include/Makefile.am lists it.
listed=$(grep -o 'mailauth/[A-Za-z0-9_]*\.h' "$abs_top_srcdir/include/Makefile.am" | sed 's|^mailauth/||' | sort -u)
missing=
for b in $headers; do
    echo "$listed" | grep -qx "$b" || missing="$missing $b"
done
tap_is "$missing" "" "every header in include/mailauth is installed (include/Makefile.am)"

# A working C++ compiler?  configure sets CXX=g++ even when there is none.
echo 'int main() { return 0; }' >"$tmp/probe.cc"
if ${CXX:-c++} -x c++ -fsyntax-only "$tmp/probe.cc" >/dev/null 2>&1; then
    have_cxx=yes
else
    have_cxx=no
fi

# Standard C headers a public header may include.
std_headers=" assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h
 locale.h math.h setjmp.h signal.h stdarg.h stdbool.h stddef.h stdint.h stdio.h stdlib.h
 string.h tgmath.h time.h wchar.h wctype.h "

for b in $headers; do
    h="$inc/mailauth/$b"

    # C99, on its own: the header is the first and only thing included (the
    # typedef keeps a header of macros only from being an empty unit).
    printf '#include <mailauth/%s>\ntypedef int ma_header_check_unit;\n' "$b" >"$tmp/t.c"
    if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/t.c" >"$tmp/log" 2>&1; then
        tap_ok 0 "$b: compiles alone as C99"
    else
        tap_ok 1 "$b: compiles alone as C99"
        show_log
    fi

    # C89 too: the public headers promise it (shared/CONVENTIONS.md).
    if ${CC:-cc} -std=c89 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/t.c" >"$tmp/log" 2>&1; then
        tap_ok 0 "$b: compiles alone as C89"
    else
        tap_ok 1 "$b: compiles alone as C89"
        show_log
    fi

    # C++11, on its own.
    if [ $have_cxx = yes ]; then
        cp "$tmp/t.c" "$tmp/t.cc"
        if ${CXX:-c++} -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/t.cc" >"$tmp/log" 2>&1; then
            tap_ok 0 "$b: compiles alone as C++11"
        else
            tap_ok 1 "$b: compiles alone as C++11"
            show_log
        fi
    else
        tap_skip "$b: no working C++ compiler ($CXX)"
    fi

    # Include guard: including it twice must not redefine anything (C99
    # rejects a repeated typedef).
    printf '#include <mailauth/%s>\n#include <mailauth/%s>\ntypedef int ma_header_check_unit;\n' \
        "$b" "$b" >"$tmp/t2.c"
    if ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" "$tmp/t2.c" >"$tmp/log" 2>&1; then
        tap_ok 0 "$b: include guard (included twice)"
    else
        tap_ok 1 "$b: include guard (included twice)"
        show_log
    fi

    # It includes only standard C headers and other public headers.
    bad=
    for i in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$h"); do
        case $i in
            \<*\>)
                n=${i#<}; n=${n%>}
                case $std_headers in
                    *" $n "*) ;;
                    *) case $n in
                           mailauth/*) [ -f "$inc/$n" ] || bad="$bad $i" ;;
                           *) bad="$bad $i" ;;
                       esac ;;
                esac ;;
            \"*\")
                n=${i#\"}; n=${n%\"}
                case $n in
                    mailauth/*) [ -f "$inc/$n" ] || bad="$bad $i" ;;
                    */*) bad="$bad $i" ;;
                    *) [ -f "$inc/mailauth/$n" ] || bad="$bad $i" ;;
                esac ;;
            *) bad="$bad $i" ;;
        esac
    done
    tap_is "$bad" "" "$b: includes only standard and public headers"

    # In C++ its functions have C linkage: an object file that takes their
    # addresses refers to them by their plain (unmangled) names.
    fns=$(ma_functions "$h")
    if [ -n "$fns" ]; then
        if [ $have_cxx = yes ] && command -v nm >/dev/null 2>&1; then
            {
                printf '#include <mailauth/%s>\n' "$b"
                printf 'typedef void (*any_fn)();\n'
                printf 'any_fn fns[] = {\n'
                for f in $fns; do
                    printf '    reinterpret_cast<any_fn>(&%s),\n' "$f"
                done
                printf '};\n'
            } >"$tmp/link.cc"
            if ${CXX:-c++} -x c++ -std=c++11 -c -o "$tmp/link.o" -I"$inc" "$tmp/link.cc" >"$tmp/log" 2>&1; then
                undef=$(nm -u "$tmp/link.o" | awk '{ print $NF }' | sort)
                wrong=
                for f in $fns; do
                    echo "$undef" | grep -qx "$f" || wrong="$wrong $f"
                done
                tap_is "$wrong" "" "$b: functions have C linkage in C++"
            else
                tap_ok 1 "$b: functions have C linkage in C++"
                show_log
            fi
        else
            tap_skip "$b: C linkage not checked (no C++ compiler or nm)"
        fi
    fi

    # Every MA_EXTERN function has a doc comment (/** ... */) right above
    # it; a group of declarations may share one comment when nothing but
    # other MA_EXTERN declarations stands between them and it.
    undocumented=$(awk '
        BEGIN { state = "other"; incomment = 0; indecl = 0; bad = "" }
        {
            line = $0
            if (incomment) {
                if (index(line, "*/") > 0) {
                    incomment = 0
                    state = isdoc ? "doc" : "other"
                }
                next
            }
            if (indecl) {
                if (index(line, ";") > 0) {
                    indecl = 0
                    state = declok ? "decl" : "other"
                }
                next
            }
            if (line ~ "^[ \t]*/[*]") {
                isdoc = (line ~ "^[ \t]*/[*][*]([^*/]|$)")
                rest = substr(line, index(line, "/*") + 2)
                if (index(rest, "*/") > 0)
                    state = isdoc ? "doc" : "other"
                else
                    incomment = 1
                next
            }
            if (line ~ "^[ \t]*MA_EXTERN[(]") {
                name = line
                sub("^[ \t]*MA_EXTERN[(][^)]*[)][ \t*]*", "", name)
                sub("[ \t]*[(].*", "", name)
                declok = (state == "doc" || state == "decl")
                if (!declok)
                    bad = bad " " name
                if (index(line, ";") > 0)
                    state = declok ? "decl" : "other"
                else
                    indecl = 1
                next
            }
            state = "other"
        }
        END { print bad }' "$h")
    tap_is "$undocumented" "" "$b: every MA_EXTERN function has a doc comment"

    # Every MA_EXTERN line yields a function name (so the checks above and
    # check-symbols.sh see every declaration).
    nlines=$(grep -c '^[[:space:]]*MA_EXTERN(' "$h")
    nnames=$(ma_functions "$h" | wc -l | tr -d ' ')
    tap_is "$nnames" "$nlines" "$b: every MA_EXTERN declaration names its function on its first line"
done

# version.h: the macros agree with each other and work in #if.
cat >"$tmp/v.c" <<'END'
#include <mailauth/version.h>
#define MA_STR2(x) #x
#define MA_STR(x) MA_STR2(x)
#if !MA_VERSION_CHECK(MA_VERSION_MAJOR, MA_VERSION_MINOR, MA_VERSION_PATCH)
#error MA_VERSION_CHECK fails for the version itself
#endif
#if MA_VERSION_CHECK(MA_VERSION_MAJOR, MA_VERSION_MINOR, MA_VERSION_PATCH + 1)
#error MA_VERSION_CHECK passes for a later version
#endif
ma_version_string MA_VERSION_STRING
ma_version_parts MA_STR(MA_VERSION_MAJOR) MA_STR(MA_VERSION_MINOR) MA_STR(MA_VERSION_PATCH)
END
if ${CC:-cc} -E -P -I"$inc" "$tmp/v.c" >"$tmp/v.i" 2>"$tmp/log"; then
    vs=$(sed -n 's/^ma_version_string "\(.*\)"$/\1/p' "$tmp/v.i")
    vp=$(sed -n 's/^ma_version_parts "\(.*\)" "\(.*\)" "\(.*\)"$/\1.\2.\3/p' "$tmp/v.i")
    tap_is "$vs" "$vp" "version.h: MA_VERSION_STRING is MAJOR.MINOR.PATCH; MA_VERSION_CHECK works in #if"
else
    tap_ok 1 "version.h: MA_VERSION_STRING is MAJOR.MINOR.PATCH; MA_VERSION_CHECK works in #if"
    show_log
fi

# The umbrella header reaches every other public header.
printf '#include <mailauth/mailauth.h>\n' >"$tmp/u.c"
if ${CC:-cc} -std=c99 -E -I"$inc" "$tmp/u.c" >"$tmp/u.i" 2>"$tmp/log"; then
    missing=
    for b in $headers; do
        [ "$b" = mailauth.h ] && continue
        grep -q "mailauth/$b\"" "$tmp/u.i" || missing="$missing $b"
    done
    tap_is "$missing" "" "mailauth.h includes every public header"
else
    tap_ok 1 "mailauth.h includes every public header"
fi

tap_done
