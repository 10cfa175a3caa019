"""SLA escalation (SPEC 4): a plan from the clocks, a tracker that holds its state, paging.

``plan`` is pure (clocks in, targets out); ``reconcile`` compares the targets with the
issues found on the tracker; ``apply`` carries the operations out through a ``Tracker``
(``github``) and the notifiers (``notify``). Network code lives only in ``http``.
"""
