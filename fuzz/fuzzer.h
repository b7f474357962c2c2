/* Shared declarations for the fuzz harnesses. */
#ifndef MA_FUZZER_H
#define MA_FUZZER_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
