"""Order processing: a SWITCH on the shipping method and a flaky payment worker with retries."""
