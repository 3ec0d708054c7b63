#!/usr/bin/python3
# Reads TOPIC partition 0 from the beginning and prints "OFFSET VALUE" per message, until
# killed: a subscriber that rides out its broker (a Ferry consumer) going away.
import sys
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
from ferry_client import client_config

bootstrap, topic, ca, cert, key = sys.argv[1:6]
c = Consumer(client_config(bootstrap, ca, cert, key, **{
    "group.id": "unused",  # required by the client; assign() joins no group
    "reconnect.backoff.max.ms": 500,
}))
c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
while True:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        print("ERROR", m.error(), flush=True)
        continue
    print(m.offset(), m.value().decode(), flush=True)
