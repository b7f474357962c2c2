#!/bin/sh
# TAP: three lists of the public functions must agree:
#  (a) the functions declared with MA_EXTERN in include/mailauth/*.h,
#  (b) the names in the global sections of src/libmailauth.map,
#  (c) the dynamic symbols the shared library defines;
# every exported symbol starts with ma_ and carries the version of the map
# node that lists it (MAILAUTH_1.0 or a later MAILAUTH_x.y node).
. "$srcdir/tap.sh"

LC_ALL=C
export LC_ALL

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ma-symbols.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
trap 'rm -rf "$tmp"' EXIT

tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $1"
}

# diag FILE LABEL: list FILE's lines as TAP diagnostics.
diag() {
    sed "s/^/#   $2: /" "$1"
}

# is_same_list A B LABEL_A LABEL_B DESCRIPTION: two sorted files are equal.
is_same_list() {
    comm -23 "$1" "$2" >"$tmp/only_a"
    comm -13 "$1" "$2" >"$tmp/only_b"
    if [ -s "$tmp/only_a" ] || [ -s "$tmp/only_b" ]; then
        tap_ok 1 "$5"
        diag "$tmp/only_a" "only in $3"
        diag "$tmp/only_b" "only in $4"
    else
        tap_ok 0 "$5"
    fi
}

map="$abs_top_srcdir/src/libmailauth.map"

# ------------------------------------------------------------ (a) headers
for h in "$abs_top_srcdir"/include/mailauth/*.h; do
    sed -n 's/^[[:space:]]*MA_EXTERN([^)]*)[[:space:]*]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' "$h"
done | sort >"$tmp/headers.all"
sort -u "$tmp/headers.all" >"$tmp/headers"
n=$(wc -l <"$tmp/headers" | tr -d ' ')
[ "$n" -gt 0 ]
tap_ok $? "headers declare public functions ($n)"
tap_is "$(uniq -d "$tmp/headers.all" | tr '\n' ' ')" "" "headers declare each function once"

# ---------------------------------------------------------------- (b) map
# Output lines "NODE SECTION NAME" for each name in a node, and "NODE ^ PARENT"
# for each node's parent ("-" when none).  Comments are dropped first.
awk '
    { text = text " " $0 }
    END {
        while ((i = index(text, "/*")) > 0) {
            rest = substr(text, i + 2)
            j = index(rest, "*/")
            if (j == 0) { text = substr(text, 1, i - 1); break }
            text = substr(text, 1, i - 1) " " substr(rest, j + 2)
        }
        gsub(/[{};:]/, " & ", text)
        n = split(text, t, /[ \t]+/)
        depth = 0; node = ""; after = 0; pending = ""; parent = "-"
        for (k = 1; k <= n; k++) {
            tok = t[k]
            if (tok == "")
                continue
            if (depth == 0) {
                if (after) {
                    if (tok == ";") { print node, "^", parent; after = 0; node = ""; parent = "-" }
                    else parent = tok
                } else if (tok == "{") {
                    depth = 1; section = "global"
                } else {
                    node = tok
                }
                continue
            }
            if (tok == "}") { depth = 0; after = 1 }
            else if (tok == ":") { section = pending; pending = "" }
            else if (tok == ";") { if (pending != "") print node, section, pending; pending = "" }
            else pending = tok
        }
    }' "$map" >"$tmp/map.parsed"

awk '$2 == "global" { print $3 }' "$tmp/map.parsed" | sort >"$tmp/map.all"
sort -u "$tmp/map.all" >"$tmp/map"
awk '$2 == "global" { print $3, $1 }' "$tmp/map.parsed" | sort >"$tmp/map.versions"
tap_is "$(uniq -d "$tmp/map.all" | tr '\n' ' ')" "" "map lists each name once"

is_same_list "$tmp/headers" "$tmp/map" headers map "headers and map list the same functions"

grep -v '^ma_[a-z0-9]' "$tmp/map" >"$tmp/bad" || true
if [ -s "$tmp/bad" ]; then tap_ok 1 "map exports only ma_ names"; diag "$tmp/bad" "bad"; else tap_ok 0 "map exports only ma_ names"; fi

# Nodes: MAILAUTH_1.0 first, names MAILAUTH_MAJOR.MINOR, each later node
# inherits the one before it, and every node hides everything else.
nodes=$(awk '$2 == "^" { print $1 "<" $3 }' "$tmp/map.parsed")
prev=
problems=
for nd in $nodes; do
    name=${nd%%<*}
    parent=${nd#*<}
    case $name in
        MAILAUTH_[0-9]*.[0-9]*) ;;
        *) problems="$problems $name:badname" ;;
    esac
    if [ -z "$prev" ]; then
        [ "$name" = MAILAUTH_1.0 ] || problems="$problems $name:notfirst"
        [ "$parent" = - ] || problems="$problems $name:parent=$parent"
    else
        [ "$parent" = "$prev" ] || problems="$problems $name:parent=$parent"
    fi
    prev=$name
done
[ -n "$nodes" ] || problems="no nodes"
tap_is "$problems" "" "map nodes: MAILAUTH_1.0 first, each later node inherits the previous one"
first_local=$(awk '$1 == "MAILAUTH_1.0" && $2 == "local" { print $3 }' "$tmp/map.parsed")
tap_is "$first_local" "*" "map: MAILAUTH_1.0 makes everything else local"

# ----------------------------------------------------- (c) the shared library
so="$abs_top_builddir/src/.libs/libmailauth.so"
if [ ! -f "$so" ]; then
    for d in "shared library" "exports only ma_ names" "exported symbols carry their map node's version"; do
        tap_skip "$d: shared library not built (--disable-shared)"
    done
    tap_done
    exit $?
fi
if ! command -v nm >/dev/null 2>&1; then
    for d in "shared library" "exports only ma_ names" "exported symbols carry their map node's version"; do
        tap_skip "$d: nm not found"
    done
    tap_done
    exit $?
fi

if nm -D --defined-only "$so" >"$tmp/nm" 2>"$tmp/nm.err"; then
    # "ADDR TYPE NAME@@VERSION"; the version nodes themselves show up as
    # absolute symbols ("0 A MAILAUTH_1.0"): leave those out.
    awk 'NF >= 3 && !($2 == "A" && $3 !~ /@/) { print $3 }' "$tmp/nm" >"$tmp/dyn.full"
    sed 's/@.*//' "$tmp/dyn.full" | sort -u >"$tmp/dyn"
    is_same_list "$tmp/headers" "$tmp/dyn" headers library "library exports exactly the functions in the headers"

    grep -v '^ma_[a-z0-9]' "$tmp/dyn" >"$tmp/bad" || true
    if [ -s "$tmp/bad" ]; then tap_ok 1 "library exports only ma_ names"; diag "$tmp/bad" "bad"; else tap_ok 0 "library exports only ma_ names"; fi

    # Each symbol: the default version (@@) of the node that lists it.
    sed -n 's/^\([^@]*\)@@\(MAILAUTH_[0-9][0-9]*\.[0-9][0-9]*\)$/\1 \2/p' "$tmp/dyn.full" | sort >"$tmp/dyn.versions"
    sort "$tmp/dyn.full" | while read -r s; do
        case $s in
            *@@MAILAUTH_[0-9]*.[0-9]*) ;;
            *) echo "$s" ;;
        esac
    done >"$tmp/unversioned"
    join "$tmp/dyn.versions" "$tmp/map.versions" | awk '$2 != $3 { print $1 " is " $2 ", map says " $3 }' >"$tmp/wrongver"
    cat "$tmp/unversioned" "$tmp/wrongver" >"$tmp/bad"
    if [ -s "$tmp/bad" ]; then
        tap_ok 1 "exported symbols carry their map node's version"
        diag "$tmp/bad" "bad"
    else
        tap_ok 0 "exported symbols carry their map node's version"
    fi
else
    tap_ok 1 "nm -D --defined-only $so"
    sed 's/^/#   /' "$tmp/nm.err"
fi

tap_done
