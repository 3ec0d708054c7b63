#include <cstdio>
int main() { std::fprintf(stderr, "ferry-broker: not built yet\n"); return 2; }
