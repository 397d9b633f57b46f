"""N request/answer round trips over a Pipe() (a socketpair) between a
client and a server process whose answering thread runs beside its main
thread (a Manager's shape: the main thread waits on an Event with a 1 s
timeout). Usage: rpc_thread.py N"""
import multiprocessing as mp
import sys
import threading


def server(conn, stop):
    def answer():
        while (m := conn.recv()) is not None:
            conn.send(m)

    t = threading.Thread(target=answer)
    t.start()
    while not stop.is_set():
        stop.wait(1)
    t.join()


if __name__ == "__main__":
    a, b = mp.Pipe()
    stop = mp.Event()
    p = mp.Process(target=server, args=(b, stop))
    p.start()
    for i in range(int(sys.argv[1])):
        a.send(i)
        a.recv()
    a.send(None)
    stop.set()
    p.join()
