"""The sales funnel agent: qualifies event, group and package enquiries and proposes."""
