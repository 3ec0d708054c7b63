#pragma once
// Invariant checks. Never assert on anything a peer or a file controls: that is bad
// input, answered with an error (DESIGN §2.6).

#include <cstdio>
#include <cstdlib>

#define FERRY_RELEASE_ASSERT(cond)                                                      \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

#ifdef NDEBUG
#define FERRY_ASSERT(cond) ((void)0)
#else
#define FERRY_ASSERT(cond) FERRY_RELEASE_ASSERT(cond)
#endif
