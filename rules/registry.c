/*
 * rules/registry.c - the one table of rules.
 * To add a rule: create rules/<rule-name>.c defining pl_rule_<name>,
 * declare it below, add one row in id order, add its corpus directory
 * tests/corpus/<rule-name>/, and a line in README.md.
 */
#include "rule.h"

#include <string.h>
#include <strings.h>

extern const struct pl_rule pl_rule_unchecked_alloc;
extern const struct pl_rule pl_rule_mismatched_free;
extern const struct pl_rule pl_rule_double_free;
extern const struct pl_rule pl_rule_use_after_free;
extern const struct pl_rule pl_rule_leak_on_error_path;
extern const struct pl_rule pl_rule_leak;
extern const struct pl_rule pl_rule_realloc_loses_block;
extern const struct pl_rule pl_rule_no_exception_on_failure;
extern const struct pl_rule pl_rule_size_overflow;
extern const struct pl_rule pl_rule_alloc_without_gil;
extern const struct pl_rule pl_rule_free_non_heap;
extern const struct pl_rule pl_rule_free_borrowed;
extern const struct pl_rule pl_rule_api_buffer_leak;

static const struct pl_rule *const registry[] = {
    &pl_rule_unchecked_alloc,    /* PML001 */
    &pl_rule_mismatched_free,    /* PML002 */
    &pl_rule_double_free,        /* PML003 */
    &pl_rule_use_after_free,     /* PML004 */
    &pl_rule_leak_on_error_path, /* PML005 */
    &pl_rule_leak,               /* PML006 */
    &pl_rule_realloc_loses_block, /* PML007 */
    &pl_rule_no_exception_on_failure, /* PML008 */
    &pl_rule_size_overflow,      /* PML009 */
    &pl_rule_alloc_without_gil,  /* PML010 */
    &pl_rule_free_non_heap,      /* PML011 */
    &pl_rule_free_borrowed,      /* PML012 */
    &pl_rule_api_buffer_leak,    /* PML013 */
};

const struct pl_rule *const *pl_rules(size_t *count)
{
    *count = sizeof registry / sizeof registry[0];
    return registry;
}

const struct pl_rule *pl_rule_find(const char *id_or_name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcasecmp(registry[i]->id, id_or_name) == 0 ||
            strcmp(registry[i]->name, id_or_name) == 0)
            return registry[i];
    return NULL;
}

const char *pl_severity_name(enum pl_severity severity)
{
    switch (severity) {
    case PL_SEV_ERROR:
        return "error";
    case PL_SEV_NOTE:
        return "note";
    default:
        return "warning";
    }
}
