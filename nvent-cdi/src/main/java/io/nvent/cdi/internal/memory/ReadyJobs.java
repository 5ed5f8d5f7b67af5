package io.nvent.cdi.internal.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The jobs of one queue that may start now: higher priority first, first in first out within a
 * priority. One lane per priority level in use, kept in a small copy-on-write array ordered by
 * priority; a lane is an array deque under its own lock, held for one deque operation only.
 * (A lock this short costs less than the lock-free deques, whose VarHandle-based code is slow
 * until the JIT has compiled it, which matters for a queue that must be fast from its first job.)
 * Queues use a handful of priority levels; a lane, once created, stays.
 *
 * @param <T> the job type
 */
final class ReadyJobs<T> {

    private record Lane<T>(int priority, ArrayDeque<T> jobs) {
    }

    /** Highest priority first; replaced (never changed) when a priority level is first used. */
    private volatile Lane<T>[] lanes = newLanes(0);

    /** Adds a job behind the jobs of its priority. */
    void add(int priority, T job) {
        Lane<T> lane = lane(priority);
        synchronized (lane) {
            lane.jobs().addLast(job);
        }
    }

    /** Puts a job just taken back in front of its priority, as if it had not been taken. */
    void putBack(int priority, T job) {
        Lane<T> lane = lane(priority);
        synchronized (lane) {
            lane.jobs().addFirst(job);
        }
    }

    /** Takes the first job of the highest priority that has one, or returns {@code null}. */
    T poll() {
        for (Lane<T> lane : lanes) {
            T job;
            synchronized (lane) {
                job = lane.jobs().pollFirst();
            }
            if (job != null) {
                return job;
            }
        }
        return null;
    }

    /**
     * The first job of each priority, highest priority first: within a priority jobs run in the
     * order they became ready, so the job that has waited longest is one of these, whatever its
     * priority.
     */
    List<T> firstOfEachPriority() {
        List<T> first = new ArrayList<>();
        for (Lane<T> lane : lanes) {
            T job;
            synchronized (lane) {
                job = lane.jobs().peekFirst();
            }
            if (job != null) {
                first.add(job);
            }
        }
        return first;
    }

    private Lane<T> lane(int priority) {
        for (Lane<T> lane : lanes) {
            if (lane.priority() == priority) {
                return lane;
            }
        }
        return addLane(priority);
    }

    private synchronized Lane<T> addLane(int priority) {
        Lane<T>[] current = lanes;
        int at = 0;
        while (at < current.length && current[at].priority() > priority) {
            at++;
        }
        if (at < current.length && current[at].priority() == priority) {
            return current[at];
        }
        Lane<T>[] grown = newLanes(current.length + 1);
        System.arraycopy(current, 0, grown, 0, at);
        System.arraycopy(current, at, grown, at + 1, current.length - at);
        grown[at] = new Lane<>(priority, new ArrayDeque<>());
        lanes = grown;
        return grown[at];
    }

    @SuppressWarnings("unchecked")
    private static <T> Lane<T>[] newLanes(int length) {
        return (Lane<T>[]) new Lane<?>[length];
    }
}
