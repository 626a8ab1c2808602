/*
 * <linux/module.h> - module boilerplate (dmasim compat).
 *
 * MODULE_LICENSE(), MODULE_AUTHOR(), MODULE_DESCRIPTION(),
 * MODULE_DEVICE_TABLE(), module_param() and EXPORT_SYMBOL() compile to
 * nothing.  module_init(fn)/module_exit(fn) record @fn so the program that
 * includes the driver file can run it: dmasim_module_init() and
 * dmasim_module_exit() call the functions of the file that uses them (one
 * module per translation unit, as in the kernel).
 */
#ifndef DMASIM_COMPAT_LINUX_MODULE_H
#define DMASIM_COMPAT_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/stat.h>

struct module;
#define THIS_MODULE ((struct module *)0)
#define DMASIM_MODULE_NOP(name) _Static_assert(1, name)

#define MODULE_LICENSE(x) DMASIM_MODULE_NOP("MODULE_LICENSE")
#define MODULE_AUTHOR(x) DMASIM_MODULE_NOP("MODULE_AUTHOR")
#define MODULE_DESCRIPTION(x) DMASIM_MODULE_NOP("MODULE_DESCRIPTION")
#define MODULE_VERSION(x) DMASIM_MODULE_NOP("MODULE_VERSION")
#define MODULE_ALIAS(x) DMASIM_MODULE_NOP("MODULE_ALIAS")
#define MODULE_FIRMWARE(x) DMASIM_MODULE_NOP("MODULE_FIRMWARE")
#define MODULE_SOFTDEP(x) DMASIM_MODULE_NOP("MODULE_SOFTDEP")
#define MODULE_IMPORT_NS(x) DMASIM_MODULE_NOP("MODULE_IMPORT_NS")
#define MODULE_DEVICE_TABLE(type, name) DMASIM_MODULE_NOP("MODULE_DEVICE_TABLE")
#define MODULE_PARM_DESC(var, desc) DMASIM_MODULE_NOP("MODULE_PARM_DESC")
#define module_param(name, type, perm) DMASIM_MODULE_NOP("module_param")
#define module_param_named(name, value, type, perm) DMASIM_MODULE_NOP("module_param_named")
#define module_param_array(name, type, nump, perm) DMASIM_MODULE_NOP("module_param_array")
#define EXPORT_SYMBOL(sym) DMASIM_MODULE_NOP("EXPORT_SYMBOL")
#define EXPORT_SYMBOL_GPL(sym) DMASIM_MODULE_NOP("EXPORT_SYMBOL_GPL")
#define EXPORT_SYMBOL_NS_GPL(sym, ns) DMASIM_MODULE_NOP("EXPORT_SYMBOL_NS_GPL")

#define module_init(fn)                                          \
	static inline int dmasim_module_init(void)               \
	{                                                        \
		return fn();                                     \
	}
#define module_exit(fn)                                          \
	static inline void dmasim_module_exit(void)              \
	{                                                        \
		fn();                                            \
	}

#endif /* DMASIM_COMPAT_LINUX_MODULE_H */
