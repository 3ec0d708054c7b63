#include <cstdio>
int main() { std::fprintf(stderr, "ferry-consumer: not built yet\n"); return 2; }
