package dev.baton.sidecar.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link ReloadQueue} alone: ids, coalescing, which reload may start next, and what /status keeps. */
class ReloadQueueTest {
    private final InProcessSupervisor s = new InProcessSupervisor(); // only to make reloads: never begun
    private final ReloadQueue queue = new ReloadQueue();

    @AfterEach
    void close() {
        s.close();
    }

    private Reload requested(long id) {
        return new Reload(s.supervisor, id, Reload.Kind.REQUESTED, "api");
    }

    private Reload restart() {
        return new Reload(s.supervisor, 0, Reload.Kind.RESTART, "restart");
    }

    @Test
    void requestsJoinTheQueuedReloadUntilItIsPromotedThenTheNextGetsTheNextId() {
        Reload first = queue.join(this::requested);
        assertThat(queue.join(this::requested)).isSameAs(first);
        assertThat(first.id).isEqualTo(1);
        assertThat(queue.next()).isSameAs(first);

        assertThat(queue.promote()).isSameAs(first);
        assertThat(queue.starting()).isSameAs(first);
        Reload second = queue.join(this::requested);
        assertThat(second.id).isEqualTo(2);
        assertThat(queue.next()).as("none starts while one is starting").isNull();
        assertThat(queue.pending()).containsExactly(first, second);

        queue.serving(first);
        assertThat(queue.starting()).isNull();
        assertThat(queue.next()).isSameAs(second);
        assertThat(queue.draining()).containsExactly(first);
        assertThat(queue.pending()).containsExactly(second, first);
    }

    @Test
    void aFinishedReloadLeavesWhereverItWasAndOnlyRequestedOnesAreKept() {
        Reload restart = restart();
        queue.start(restart);
        Reload queued = queue.join(this::requested);
        queue.finished(restart);
        assertThat(queue.starting()).isNull();
        queue.finished(queued);
        assertThat(queue.queued()).isNull();
        assertThat(queue.find(queued.id)).contains(queued);
        assertThat(queue.views()).extracting(ReloadView::id).containsExactly(queued.id);

        Reload draining = queue.join(this::requested);
        queue.serving(queue.promote());
        queue.finished(draining);
        assertThat(queue.draining()).isEmpty();
        assertThat(queue.pending()).isEmpty();
    }

    @Test
    void theLatestTwentyRequestedReloadsAreKeptOnceEachWithTheQueuedOneListedLast() {
        for (int i = 0; i < 25; i++) {
            Reload r = queue.join(this::requested);
            queue.remember(r);
            queue.remember(r);
            queue.finished(r);
        }
        Reload queued = queue.join(this::requested);
        assertThat(queue.views()).extracting(ReloadView::id).hasSize(ReloadQueue.RECENT + 1)
                .startsWith(6L, 7L).endsWith(25L, 26L);
        assertThat(queue.find(5)).isEmpty();
        assertThat(queue.find(queued.id)).contains(queued);
    }

    @Test
    void generationsAreNumberedFromOne() {
        assertThat(queue.generation()).isZero();
        assertThat(queue.nextGeneration()).isEqualTo(1);
        assertThat(queue.nextGeneration()).isEqualTo(2);
        assertThat(queue.generation()).isEqualTo(2);
    }
}
