package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import org.junit.jupiter.api.Test;

/**
 * The console's Runs below panel run in Node ({@code console/runs-below.mjs}: the panel's code as the console serves
 * it, a fake server that counts the runs it counts the descendants of, a fake DOM, a virtual clock): what the live
 * tree costs the store, and what it shows. Skipped where no {@code node} is installed.
 */
class ConsoleRunsBelowReadsTest {

    private static JsonObject run(String scenario) throws IOException, InterruptedException, URISyntaxException {
        return ConsoleScripts.harness("runs-below.mjs", scenario);
    }

    /**
     * After 49 × More… a level shows 1,000 children; in a flood each of them changes every second. The level was read
     * again whole on every change: 1,000 counts of the store a second for one open console. It reads again only the
     * pages whose runs changed, at most 200 runs a second, and the last status of every child shows within 5 s.
     */
    @Test
    void aLevelOfAThousandChildrenAllChangingEverySecondCountsAtMostTwoHundredASecondAndShowsTheirEndWithinFiveSeconds()
            throws Exception {
        JsonObject flood = run("flood");

        assertThat(flood.getInt("shown")).isEqualTo(1000);
        assertThat(flood.getInt("mostCountedInASecond")).as("counts of the store in any second").isLessThanOrEqualTo(200);
        assertThat(flood.getBoolean("allCompleted")).as("every child's end shown").isTrue();
        assertThat(flood.getInt("staleForMs")).as("how long after they ended").isLessThanOrEqualTo(5000);
        assertThat(flood.getInt("rowsAfter")).isEqualTo(1000);
    }

    /**
     * Its changed pages were read again in the list's order, 200 runs a round: in a flood the first ten pages had
     * changed again by the next round, so every round read them, and the other 800 rows kept the status they showed
     * when the flood began for as long as it lasted. The page that changed longest ago is read first: each row is read
     * again within 5 s while the flood goes on.
     */
    @Test
    void inAFloodEveryRowOfAThousandIsReadAgainWithinFiveSecondsNotOnlyTheFirstTwoHundred() throws Exception {
        JsonObject flood = run("floodReadInTurn");

        assertThat(flood.getInt("longestUnreadMs")).as("the longest any row went unread in a 20 s flood")
                .isLessThanOrEqualTo(5000);
    }

    /**
     * A child deleted from a level longer than the pages shown stayed listed until the level was opened again: a read
     * again kept every run it did not read, as newer children might have pushed it past the pages read. A page is
     * read again from the cursor it was read with, so a run it passes over is gone.
     */
    @Test
    void aChildDeletedFromALongLevelGoesWhenItsPageIsReadAgainForASiblingsChange() throws Exception {
        JsonObject deleted = run("deletedWithASiblingsChange");

        assertThat(deleted.getBoolean("deletedListed")).as("the deleted child listed").isFalse();
        assertThat(deleted.getInt("rows")).isEqualTo(99);
        assertThat(deleted.getString("siblingStatus")).isEqualTo("failed");
        assertThat(deleted.getBoolean("more")).as("More… still offered: 50 children not shown").isTrue();
    }

    /**
     * A deletion is no status change: nothing on the stream names it. The tree's counts, read every 30 s while nothing
     * below is under way (every 5 s while something is), moved: every page shown is read again, and the child goes.
     */
    @Test
    void aChildDeletedWhileNothingBelowChangesGoesWithinHalfAMinute() throws Exception {
        JsonObject deleted = run("deletedWhileNothingChanges");

        assertThat(deleted.getBoolean("deletedListed")).as("the deleted child listed after 35 s").isFalse();
        assertThat(deleted.getInt("rows")).isEqualTo(99);
        assertThat(deleted.getInt("treeCounts")).as("the tree counted when opened and once in 35 s").isEqualTo(2);
    }

    /**
     * The counts were read again only after a read of them that succeeded: one that failed (the server away for a
     * moment) ended the reads every 30 s, and a child deleted after it stayed listed, the summary showing the error,
     * until the page was opened again. A failed read is tried again.
     */
    @Test
    void aChildDeletedGoesEvenIfAReadOfTheCountsFailedOnce() throws Exception {
        JsonObject deleted = run("deletedWhileTheCountsFailOnce");

        assertThat(deleted.getBoolean("deletedListed")).as("the deleted child listed after 70 s").isFalse();
        assertThat(deleted.getInt("rows")).isEqualTo(99);
        assertThat(deleted.getString("summary")).startsWith("descendants: 149");
    }

    /** A store that cannot count the runs below says so once: the panel does not ask again every 5 s. */
    @Test
    void aStoreThatCannotCountTheRunsBelowIsAskedForTheCountsOnce() throws Exception {
        JsonObject unsupported = run("countsUnsupported");

        assertThat(unsupported.getInt("treeCounts")).as("requests for the counts in a minute").isEqualTo(1);
        assertThat(unsupported.getString("summary")).startsWith("NVENT-0463");
        assertThat(unsupported.getInt("rows")).isEqualTo(20);
    }

    /**
     * A grandchild that ends, in a level opened below a child: its row shows it, and so does the count of its
     * parent's row in the level above, read again with its page; the level opened stays open.
     */
    @Test
    void aGrandchildEndingShowsInItsLevelAndInItsParentsCountAndTheOpenedLevelStaysOpen() throws Exception {
        JsonObject ended = run("grandchildEnds");

        assertThat(ended.getBoolean("underWayBefore")).isTrue();
        assertThat(ended.getString("grandchildStatus")).isEqualTo("completed");
        assertThat(ended.getBoolean("underWayAfter")).as("the parent's row counts one under way").isFalse();
        assertThat(ended.getBoolean("stillOpen")).isTrue();
        assertThat(ended.getInt("counted")).as("the two pages that show them").isEqualTo(4);
    }

    /** New children come at the top, each once, in the list's order, read a first page at a time. */
    @Test
    void childrenStartingInALongLevelComeAtTheTopInOrderReadAPageAtATime() throws Exception {
        JsonObject started = run("newChildrenStart");

        assertThat(started.getInt("rows")).isEqualTo(130);
        assertThat(started.getInt("distinct")).isEqualTo(130);
        assertThat(started.getBoolean("newOnTop")).isTrue();
        assertThat(started.getBoolean("inOrder")).isTrue();
        assertThat(started.getInt("counted")).as("not the 100 shown before").isLessThanOrEqualTo(40);
    }

    /**
     * A level whose page failed to read (the server away for a moment) stayed broken until closed: its first page
     * was never read again, however many children changed, and a More… that failed was gone for good. The next change
     * reads a first page that failed, and More… is offered again after a failed one.
     */
    @Test
    void aPageThatFailedToReadIsReadWithTheNextChangeAndMoreIsOfferedAgainAfterItFailed() throws Exception {
        JsonObject failed = run("pagesFailingToRead");

        assertThat(failed.getBoolean("errorShown")).as("why the first page is not shown").isTrue();
        assertThat(failed.getInt("rowsAfterAChange")).as("the first page read with a child's change").isEqualTo(20);
        assertThat(failed.getBoolean("moreErrorShown")).as("why More… showed nothing").isTrue();
        assertThat(failed.getBoolean("moreOfferedAgain")).isTrue();
        assertThat(failed.getInt("rows")).as("every child, More… clicked again").isEqualTo(50);
    }

    /**
     * Runs below a child not opened are on no opened level's stream: the counts of the tree read every 5 s see them.
     * But every change of an opened level read the counts and put the next such read 5 s later: while a sibling
     * changed every 2 s it never came, and a row on another page showed its runs under way for ever (a level was read
     * again whole on every change before, so that row was too). The counts are read again 5 s after the last such
     * read, whatever reads them in between.
     */
    @Test
    void runsBelowARowOfAnotherPageEndingShowWithinSecondsWhileASiblingKeepsChanging() throws Exception {
        JsonObject ended = run("runsBelowARowOfAnotherPageEndWhileASiblingKeepsChanging");

        assertThat(ended.getBoolean("underWayBefore")).isTrue();
        assertThat(ended.getBoolean("underWayAfter")).as("the row counts its runs below under way").isFalse();
    }

    /**
     * Runs below one row not opened end, one every 5 s, while the other 99 rows of five pages stay as they are: every
     * look at the tree's counts that saw them move read all five pages again (500 runs counted). It reads the counts
     * of the rows that may have changed below (the one with runs under way) and again only the page whose row's counts
     * moved: 20 runs a look.
     */
    @Test
    void runsBelowARowNotOpenedEndingReadAgainOnlyThePageOfThatRow() throws Exception {
        JsonObject ended = run("runsBelowOneRowEndWhileTheOtherPagesStayTheSame");

        assertThat(ended.getBoolean("before")).isTrue();
        assertThat(ended.getBoolean("after")).as("the row shows its runs below ended").isTrue();
        assertThat(ended.getInt("counted")).as("runs counted in 30 s: its page once a look, five looks").isEqualTo(100);
        assertThat(ended.getInt("probes")).as("counts of single rows read").isLessThanOrEqualTo(6);
        assertThat(ended.getInt("rows")).isEqualTo(100);
    }

    /**
     * A child behind More… (not shown) changes every second: each change read the first page again, where it is not
     * (300 runs counted in 10 s). Its change moves only the tree's counts, read as before; the first page is read for a
     * child not shown only if it sorts into it (newChildrenStart).
     */
    @Test
    void aChildNotShownChangingReadsTheCountsNotTheFirstPage() throws Exception {
        JsonObject hidden = run("aChildBehindMoreChangesEverySecond");

        assertThat(hidden.getInt("counted")).as("runs counted of pages in 10 s").isZero();
        assertThat(hidden.getInt("treeCounts")).as("the tree's counts read, at most once a second").isBetween(5, 11);
        assertThat(hidden.getString("summary")).startsWith("descendants: 150, under way: 1");
        assertThat(hidden.getBoolean("hiddenShown")).isFalse();
        assertThat(hidden.getInt("rows")).isEqualTo(100);
    }

    /**
     * Runs below a row of an opened level end (no message: that row is not opened): the row's page is read again, and
     * so is the page of the opened run's row in the level above, whose count holds them too; every page was before.
     */
    @Test
    void runsBelowARowOfAnOpenedLevelEndingShowInThatRowAndInTheOpenedRunsRowAbove() throws Exception {
        JsonObject ended = run("runsBelowARowOfAnOpenedLevelEnd");

        assertThat(ended.getBoolean("before")).isTrue();
        assertThat(ended.getBoolean("innerUnderWay")).as("the row whose runs below ended").isFalse();
        assertThat(ended.getBoolean("openedUnderWay")).as("the opened run's row above it").isFalse();
    }

    /**
     * A run below an ended row retried (under way again; no message names an opened level) while another row has runs
     * under way: the look read the counts of that other row only, found them as they were, and since it had read
     * some, read no page again: the ended row showed nothing under way for good. When the rows it read did not move,
     * every page is read again, as before the rows were read one by one.
     */
    @Test
    void aRunRetriedBelowAnEndedRowShowsEvenWhileAnotherRowHasRunsUnderWay() throws Exception {
        JsonObject retried = run("aRunBelowAnEndedRowIsRetriedWhileAnotherRowHasRunsUnderWay");

        assertThat(retried.getBoolean("before")).isTrue();
        assertThat(retried.getBoolean("underWay")).as("the ended row's run below under way again, 40 s later").isTrue();
    }

    /**
     * The same retry, while a sibling on another page ends in the same 5 s: the look saw the counts move, the rows it
     * read did not, and took the sibling's message for the move; the next looks saw the counts as they were, and the
     * ended row showed nothing under way for good. A move a message may not explain reads every page at the next look
     * no message came to (or 30 s on, while messages keep coming).
     */
    @Test
    void aRunRetriedBelowAnEndedRowShowsEvenIfASiblingEndedInTheSameFiveSeconds() throws Exception {
        JsonObject retried = run("aRunBelowAnEndedRowIsRetriedAsASiblingEnds");

        assertThat(retried.getBoolean("before")).isTrue();
        assertThat(retried.getBoolean("underWay")).as("the ended row's run below under way again, 40 s later").isTrue();
        assertThat(retried.getString("siblingStatus")).isEqualTo("completed");
        assertThat(retried.getInt("rows")).isEqualTo(40);
    }

    /** The same while the sibling keeps changing every 2 s: no look comes without a message, and 30 s on it shows. */
    @Test
    void aRunRetriedBelowAnEndedRowShowsWithinFortySecondsWhileASiblingKeepsChanging() throws Exception {
        JsonObject retried = run("aRunBelowAnEndedRowIsRetriedAsASiblingKeepsChanging");

        assertThat(retried.getBoolean("before")).isTrue();
        assertThat(retried.getBoolean("underWay")).as("the ended row's run below under way again, 40 s later").isTrue();
        assertThat(retried.getInt("rows")).isEqualTo(40);
    }

    /**
     * The same retry, while a run below another row (one whose counts the look reads) ends in the same 5 s: the look
     * saw the counts move, that row's counts moved too, and it took that row's move for the whole of it; the next looks
     * saw the counts as they were, and the ended row showed nothing under way for good. The rows' moves explain the
     * tree's only when they add up to it; else every page is read again.
     */
    @Test
    void aRunRetriedBelowAnEndedRowShowsEvenIfARunBelowAnotherRowEndedInTheSameFiveSeconds() throws Exception {
        JsonObject retried = run("aRunBelowAnEndedRowIsRetriedAsARunBelowAnotherRowEnds");

        assertThat(retried.getBoolean("before")).isTrue();
        assertThat(retried.getBoolean("busy")).as("the other row's run below ended").isTrue();
        assertThat(retried.getBoolean("underWay")).as("the ended row's run below under way again, 40 s later").isTrue();
        assertThat(retried.getInt("rows")).isEqualTo(40);
    }

    /**
     * 140 rows that may change: a look reads the counts of 100 of them. A run below the 130th ending moved the tree's
     * counts once; the look read the first 100, found none moved, and the counts never moved again: the row showed its
     * run under way for good.
     */
    @Test
    void aRunEndingBelowARowBeyondTheHundredALookReadsShowsInItsRow() throws Exception {
        JsonObject ended = run("aRunBelowTheHundredAndThirtiethRowThatMayChangeEnds");

        assertThat(ended.getBoolean("before")).isTrue();
        assertThat(ended.getBoolean("underWay")).as("its run below under way, 60 s after it ended").isFalse();
        assertThat(ended.getInt("rows")).isEqualTo(140);
    }

    /**
     * A child that starts and ends within one hand-over of the live stream (a short sub-flow) comes as one message, its
     * end: in a level longer than its pages shown it was taken for a child behind More…, and never came on top (the
     * counts moved, the summary said 151, the list 100 without it). Once the tree grew, the first page of a level told
     * of a child it does not show is read again.
     */
    @Test
    void aNewChildWhoseStartAndEndCameAsOneMessageComesOnTopOfALongLevel() throws Exception {
        JsonObject quick = run("aNewChildWhoseStartAndEndCameAsOneMessage");

        assertThat(quick.getString("summary")).startsWith("descendants: 151");
        assertThat(quick.getBoolean("onTop")).as("the new child on top, 35 s later").isTrue();
        assertThat(quick.getInt("rows")).isEqualTo(101);
    }
}
