"""Integrations with other libraries: ``spacy`` (the ``uniner`` pipeline component).

Each integration is imported only when used (spaCy loads ``uniner.integrations.spacy``
through its ``spacy_factories`` entry point).
"""
