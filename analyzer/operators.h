/*
 * analyzer/operators.h - the operator of a unary or binary operator cursor
 * (libclang before 17 has no call for it). Internal to the front end.
 */
#ifndef PL_OPERATORS_H
#define PL_OPERATORS_H

#include "ast.h"

#include <clang-c/Index.h>

/* The operator of a BinaryOperator or CompoundAssignOperator cursor 'c'
 * with operands 'lhs' and 'rhs'; PL_OP_NONE when it cannot be told. */
enum pl_op pl_binary_op(CXTranslationUnit tu, CXCursor c, CXCursor lhs,
                        CXCursor rhs);

/* The operator of a UnaryOperator cursor 'c' with 'operand'. */
enum pl_op pl_unary_op(CXTranslationUnit tu, CXCursor c, CXCursor operand);

#endif
