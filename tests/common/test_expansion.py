"""The expanded size of a document, in one linear pass: fragment bombs and cycles refused before validation."""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, NameNode, OperationDefinitionNode, OperationType, SelectionSetNode, parse

from services.common.graphql.expansion import expanded_size, oversized_document
from tests.test_hardening import fragment_bomb


def test_fields_spreads_and_inline_fragments_are_counted_with_fragments_expanded() -> None:
    document = parse("{ a { b c } ... on Query { d } ...F ...F } fragment F on Query { e f }")

    # a, b, c, d; each spread counts 1 plus its two fields
    assert expanded_size(document) == 4 + 2 * (1 + 2)


def test_a_fragment_bomb_gets_its_true_size_and_is_refused() -> None:
    for levels in (19, 100):
        document = parse(fragment_bomb(levels))
        size = expanded_size(document)
        refusal = oversized_document(document, 10_000)

        assert size > 2**levels
        assert refusal is not None
        assert refusal.code == "OPERATION_TOO_LARGE"


def test_a_fragment_spreading_itself_is_refused_as_a_validation_error() -> None:
    refusal = oversized_document(parse("{ ...A } fragment A on Query { x ...B } fragment B on Query { ...A }"))

    assert refusal is not None
    assert refusal.code == "GRAPHQL_VALIDATION_FAILED"
    assert "within itself" in refusal.message


def test_fragments_no_operation_spreads_are_counted_too() -> None:
    unused = " ".join(f"fragment U{i} on Query {{ ...U{i + 1} ...U{i + 1} }}" for i in range(30)) + " fragment U30 on Query { x }"

    assert oversized_document(parse("{ a } " + unused)) is not None


def test_deep_nesting_is_walked_without_recursion() -> None:
    depth = 3_000  # deeper than Python's recursion limit; built by hand, as the parser stops well before
    selection = SelectionSetNode(selections=(FieldNode(name=NameNode(value="b")),))
    for _ in range(depth):
        selection = SelectionSetNode(selections=(FieldNode(name=NameNode(value="a"), selection_set=selection),))
    document = DocumentNode(definitions=(OperationDefinitionNode(operation=OperationType.QUERY, selection_set=selection),))

    assert expanded_size(document) == depth + 1
