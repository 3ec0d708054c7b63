#include <cstdio>
int main() { std::fprintf(stderr, "ferryctl: not built yet\n"); return 2; }
