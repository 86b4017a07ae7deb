"""Evals as data: a user's messages, the expected end state of the database, and the facts the
replies must contain. ``buffr eval PATH`` runs them (:func:`evals.runner.run_suite`).

Scenario files are YAML: one scenario (a mapping) or a list of them per file; a folder is every
``*.yaml`` / ``*.yml`` under it. Ids are unique across a run. Unknown fields are errors::

    - id: out-small-colas-units          # required: letters, digits, - _ .
      description: Unit unclear -> ask crates or units.
      property: demo                     # default demo (the seeded Seaside Hotel)
      actor: "+972501110003"             # the sender's phone; default Noa Mizrahi (staff)
      tags: [llm]                        # free labels; llm = needs the model to pass
      setup:
        stock: {COKE-250-GLASS: 96}      # levels set before the first turn (counted ADJUSTs)
        sql: ["UPDATE ..."]              # statements run as the owner before the first turn
      turns:                             # at least one
        - user: took 3 small colas       # the message (may be empty: "")
          reply_contains: ["crates of 24", "units"]        # every fact must be in the reply
          reply_contains_any: [["Took out 3", "units"]]     # each list: at least one of them
          reply_not_contains: ["Zero"]                      # none of these may be
          reply_empty: false                                # true: no reply at all
        - user: units
      expect:                            # the end state; whatever is left out is not checked
        stock: {COKE-250-GLASS: 93}      # levels after the last turn
        stock_delta: {COKE-330-CAN: 0}   # change from the level after setup
        movements: 1                     # new stock movements (setup excluded; undo adds one)
        notifications: 0                 # new low-stock notifications to the managers
        pending_question: false          # whether the clerk waits on an answer at the end
        sql:                             # first column of the first row, compared as text
          - {query: "SELECT count(*) FROM room_reservations", equals: 120}

A folder may hold ``_suite.yaml`` with what its scenarios share: ``today: 2027-03-01`` seeds
the demo data for that day and pins every turn's clock to it (at ``hour``, default 10, the
property's local time), so scenarios may speak of "next Friday" and check exact dates.

Facts match case-insensitively as substrings of the reply. Every scenario runs on its own copy
of a freshly migrated and seeded database (the seed uses today's date unless ``_suite.yaml``
pins one, so expiry dates are relative to the day of the run), over the real agent graph,
with the chat model named by ``--model`` (``none``: the deterministic fast path only, so
whatever the parser cannot read fails). A scenario passes when every turn's facts and every
expectation hold.

Modules: :mod:`evals.grading` (the schema, loading, grading), :mod:`evals.runner` (databases,
model, turns), :mod:`evals.report` (results, summary, JSON and console output).
"""
