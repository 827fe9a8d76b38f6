/* SPDX-License-Identifier: MIT */
/* common/compiler.h: attributes and branch hints shared by every module. */
#ifndef COMMON_COMPILER_H
#define COMMON_COMPILER_H

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define ATTR_HOT __attribute__((hot))
#define ATTR_COLD __attribute__((cold))
#define ATTR_NOINLINE __attribute__((noinline))
#define ATTR_MALLOC __attribute__((malloc))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
