"""The receptionist: answers guests from the knowledge base, books rooms and tables, takes
room-service orders, remembers guests, and hands over to a person when it should."""
