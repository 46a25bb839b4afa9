"""The outbox tests' Python producer: N orders, each in its own transaction with its outbox row; every
ROLLBACK_EVERY-th transaction rolls back after inserting both. Prints `committed <task id>` per commit.

usage: produce.py DATABASE_URL COUNT ROLLBACK_EVERY QUEUE RECORD_KEY
"""
import sys

import psycopg

from celerity_outbox import enqueue_in_transaction


class Rollback(Exception):
    pass


def main():
    url, count, rollback_every, queue, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    with psycopg.connect(url) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS outbox_test_orders (n integer PRIMARY KEY, task_id text NOT NULL)"
        )
        connection.commit()
        for n in range(count):
            try:
                with connection.transaction():
                    with connection.cursor() as cursor:
                        task_id = enqueue_in_transaction(cursor, "compat.record", [key, f"order-{n}"], queue=queue)
                        cursor.execute("INSERT INTO outbox_test_orders (n, task_id) VALUES (%s, %s)", [n, task_id])
                        if rollback_every and n % rollback_every == rollback_every - 1:
                            raise Rollback()
                print(f"committed {task_id} order-{n}", flush=True)
            except Rollback:
                print(f"rolled-back {task_id} order-{n}", flush=True)


if __name__ == "__main__":
    main()
