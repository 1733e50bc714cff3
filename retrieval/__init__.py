"""The candidate stage: which files most likely hold the answer, before anyone walks.

Sits between :mod:`explore.sandbox` (snapshots, the BM25 index) and the tools and agent
that use it. A question is parsed once (:mod:`.query`: terms, code names, traceback
frames, paths); files are ranked by fusing lexical evidence over whole files, lexical
evidence over code units (functions, classes, methods: :mod:`.units`), the symbol table
(who *defines* a name the question uses) and paths the question names
(:mod:`.retriever`).
"""
