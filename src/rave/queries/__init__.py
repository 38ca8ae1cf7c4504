"""The read door: plain SQL on the stdlib ``sqlite3`` connection, returning the frozen
records of ``records`` (or of the module that runs the query).

Nothing here imports SQLAlchemy or SQLModel: ``list``, ``show``, ``today``, ``why``,
``stats``, ``digest`` and shell completion read through this package only.

- ``people``: resolve a ``CONTACT`` reference, names for completion
- ``contacts``: lists, profiles, follow-ups, snoozes
- ``states``: each contact's ranking state (stored, or replayed ``--as-of``)
- ``channels``: what ``rave log`` fills in (a default channel, a day's last moment)
- ``broadcast``: your recent posts and broadcasts (the daily nudge)
- ``history``: aggregates over your history (``rave stats``, warmth trends)
- ``export``: everything, for ``rave export``
"""
