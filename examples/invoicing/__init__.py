"""Monthly invoicing with real ``@worker_task`` workers: usage, a tax service over HTTP, the invoice."""
