# TAP helpers for the shell tests: source this file.
tap_n=0
tap_failed=0
# ok CONDITION-STATUS "description"
tap_ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
}
# tap_is GOT WANT "description"
tap_is() {
    if [ "$1" = "$2" ]; then tap_ok 0 "$3"; else tap_ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi
}
tap_done() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}
