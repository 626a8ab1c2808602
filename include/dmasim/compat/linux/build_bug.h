/*
 * <linux/build_bug.h> - compile-time assertions (dmasim compat).
 *
 * As the kernel's: BUILD_BUG_ON(cond) stops the build when @cond, an
 * integer constant expression, is true; BUILD_BUG_ON_ZERO() is the same as
 * an expression of value 0; static_assert() is C11's _Static_assert with an
 * optional message.
 */
#ifndef DMASIM_COMPAT_LINUX_BUILD_BUG_H
#define DMASIM_COMPAT_LINUX_BUILD_BUG_H

#include <linux/compiler.h>

#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#define BUILD_BUG_ON(condition) BUILD_BUG_ON_MSG(condition, "BUILD_BUG_ON failed: " #condition)
#define BUILD_BUG_ON_NOT_POWER_OF_2(n) BUILD_BUG_ON((n) == 0 || (((n) & ((n) - 1)) != 0))
#define BUILD_BUG() BUILD_BUG_ON_MSG(1, "BUILD_BUG failed")

#ifndef static_assert
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif

#endif /* DMASIM_COMPAT_LINUX_BUILD_BUG_H */
