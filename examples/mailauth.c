#include <mailauth/mailauth.h>
int main(void) { return 0; }
