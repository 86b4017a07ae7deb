"""The reactivation agent: continues a conversation a win-back campaign started."""
