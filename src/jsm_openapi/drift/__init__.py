"""Spec drift: classified changes between two versions of an OpenAPI document, overlay health, reports."""

from ..operations import normalized_path
from .diff import compare_documents
from .model import Change, Comparison, DocumentInfo, DriftReport, OperationRef
from .rules import RULES, Rule, Severity

__all__ = [
    "RULES",
    "Change",
    "Comparison",
    "DocumentInfo",
    "DriftReport",
    "OperationRef",
    "Rule",
    "Severity",
    "compare_documents",
    "normalized_path",
]
