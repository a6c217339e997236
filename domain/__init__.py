"""Write side of smallwins: the Opportunity aggregate, its events and rules, and the pure
functions that derive the ladder, momentum and relationship depth from an event history."""
