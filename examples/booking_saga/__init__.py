"""A trip booking saga: flight, hotel, payment; a failure workflow compensates what was reserved."""
