"""The inventory clerk: staff update and query stock in plain language, in English and Hebrew.

``parse`` is the deterministic fast path (with ``lexicon`` and ``numbers``): it turns common,
well-formed messages ("took 3 small colas", "לקחתי 3 קולה קטן", "how many cokes left") and the
answers to the clerk's questions into typed results without calling the model.
"""
