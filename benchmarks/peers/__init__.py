"""Peer systems timed beside uniner's engine, each in an environment of its own.

A peer whose requirements clash with uniner's (GLiNER pins an older transformers) is measured by
a worker script run with its own interpreter; the module here that the benchmark imports only
sets that environment up and exchanges JSON with the worker.
"""
