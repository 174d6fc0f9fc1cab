"""The engine: inbox, outbox, dispatcher, retries, quarantine, dead letter, replay.

It knows neither vendors nor workflows; connectors raise the errors of
:mod:`baton.engine.errors` and the engine decides what to do with them.
"""
