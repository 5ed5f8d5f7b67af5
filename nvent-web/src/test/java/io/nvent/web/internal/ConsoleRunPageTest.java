package io.nvent.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console's run and awaits pages, read as text (no browser runs in the build): what they must do
 * that a look at the screen does not show at once.
 */
class ConsoleRunPageTest {

    private static String script(String view) throws IOException {
        return ConsoleScripts.js("views/" + view);
    }

    /** The top-level function of a view that begins with {@code signature}, e.g. {@code "function waitLink(wait)"}. */
    private static String function(String view, String signature) throws IOException {
        return ConsoleScripts.function(script(view), signature);
    }

    /** The Awaits table's Type cell: the await's type and what it names (its child runs, the key's holders). */
    private static String awaitTypeCell() throws IOException {
        return ConsoleScripts.between(script("awaits.js"), "h('td', {}, awaitType(a.type)", "all ? h('td'");
    }

    /** The icon of each await type, {@code time: '◔', …}. */
    private static String awaitTypeIcons() throws IOException {
        return ConsoleScripts.between(script("awaits.js"), "const TYPE_ICON = {", "};");
    }

    @Test
    void theRunPageAsksForChildRunsOncePerLoadAndDrawsNothingOnceTheOperatorLeft() throws IOException {
        String runs = script("runs.js");
        String lookForChildren = ConsoleScripts.between(runs, "const lookForChildren", "async function refresh()");
        String refresh = ConsoleScripts.between(runs, "async function refresh()", "const scheduleRefresh");
        Matcher cleanup = Pattern.compile("return \\(\\) => \\{ gone = true;").matcher(runs);

        assertThat(cleanup.find()).as("the run view's cleanup sets gone").isTrue();
        assertThat(lookForChildren).as("an answer after the operator left draws nothing").contains("!gone");
        assertThat(refresh).as("a refresh answered after the operator left draws nothing").contains("if (gone) return;")
                .as("children are asked for once per page load, and while the run is under way without any so far")
                .contains("if (run && !hasChildren && (!childrenAsked || underWay)) { childrenAsked = true;");
    }

    /**
     * A run that started runs of its own gets a "Runs below" panel: the counts of its whole tree from one request (the
     * store's count of its descendants), and its children a page at a time, each with its status and the count of the
     * runs below it; a child opens to its own children with a request of its own, never the whole tree at once.
     */
    @Test
    void theRunPageShowsTheRunsBelowARunCountedAndOpenedALevelAtATimeWithARequestPerOpenedRun() throws IOException {
        String runs = script("runs.js");
        String show = ConsoleScripts.between(runs, "const showRunsBelow = () => {", "\n  };");
        String panel = ConsoleScripts.function(runs, "function runsBelowPanel(root, summary, list, gone)");
        String node = ConsoleScripts.function(runs, "function runBelow(child, old, onToggle)");
        String line = ConsoleScripts.function(runs, "function descendantsLine(d)");

        assertThat(ConsoleScripts.between(runs, "const lookForChildren", "async function refresh()"))
                .as("shown once the run is found to have children").contains("showRunsBelow();");
        assertThat(show).contains("belowCard.style.display = '';",
                "belowPanel = runsBelowPanel(runId, belowSummary, belowTree, () => gone);");
        assertThat(panel).contains("api.descendants(root)", "fill(summary, descendantsLine(d));");
        assertThat(line).contains("`descendants: ${num(d.descendants)}, under way: ${num(d.underWay)}, completed"
                + " ${num(d.completed)} / failed ${num(d.failed)} / canceled ${num(d.canceled)}`", "d.depthLimitReached ?");
        assertThat(panel).as("a page of children, each counted, after the cursor of the one before")
                .contains("api.runsPage({ parent, limit, descendants: 'true', after: after || undefined })",
                        "readPage(parent, after, BELOW_PAGE)", "loadPage(parent, level, level.next)", "if (gone() ||")
                .as("a store that cannot count them lists the children without counts")
                .contains(".catch(() => api.runsPage({ parent, limit, after: after || undefined }))");
        assertThat(node).as("opened on a click").contains("!d || d.descendants > 0 ?", "onToggle(opening, below);",
                "badge(child.status)", "${num(d.descendants)} below");
        assertThat(panel).as("a level is read when opened, dropped when closed")
                .contains("if (opening) open(child.runId, below); else close(child.runId, below);")
                .as("in a cycle of parents a run shown again below its child opens no second level of it, and closing"
                        + " it closes nothing above")
                .contains("if (levels.has(parent)) { clear(into); into.append(h('li', { class: 'muted small"
                        + " run-tree-none' }, 'shown above')); return; }", "if (!level || level.list !== list) return;",
                        "close(runId, li.querySelector(':scope > ul.run-tree'));");
        assertThat(ConsoleScripts.js("api.js")).contains("descendants: (id) => call('GET', `/runs/${e(id)}/descendants`)");
    }

    /**
     * The panel was a snapshot, read as the page opened: a child that ended, or a new child, showed only after a
     * reload. Each opened level follows its runs' status changes on the live stream, and reads again at most once a
     * second however many change (a parent of 10,000 children ending does not read its level per end): the level the
     * change names, the levels above it (their counts), and the tree's counts; a change below a run not opened is
     * seen by the counts, read again every 5 s while runs below are under way (30 s else), which then read the pages
     * whose rows' counts moved (every page after a deletion). How much a read again costs the store:
     * {@link ConsoleRunsBelowReadsTest}.
     */
    @Test
    void theRunsBelowFollowTheLiveStreamAndReadEachOpenedLevelAgainAtMostOnceASecond() throws IOException {
        String runs = script("runs.js");
        String panel = ConsoleScripts.function(runs, "function runsBelowPanel(root, summary, list, gone)");
        String changed = ConsoleScripts.between(panel, "const changed = (parent, runId, isNew) => {", "\n  };");
        String above = ConsoleScripts.between(panel, "const changedAbove = (parent) => {", "\n  };");
        String reread = ConsoleScripts.between(panel, "const rereadPage = async (parent, level, pg) => {", "\n  };");
        String live = ConsoleScripts.js("live.js");
        String paced = ConsoleScripts.function(ConsoleScripts.js("ui.js"), "export function paced(fn, ms)");

        assertThat(panel).as("each opened level follows its children's status changes")
                .contains("level.off = live.children(parent, (msg) => changed(parent, msg.type === 'child' ? msg.runId"
                        + " : null,", "msg.type === 'child' && msg.event?.type === 'flow.start'));",
                        "level.refresh = paced(() => reread(parent, level), 1000);")
                .as("the counts at most once a second, and every 5 s while runs below are under way, 30 s else")
                .contains("const counts = paced(() => api.descendants(root)",
                        "countTimer = setTimeout(() => { sweeping = true; counts(); },",
                        "Math.max(0, sweptAt + (d.underWay > 0 ? 5000 : 30000) - Date.now()));",
                        "if (sweeping && sweptCounts && now !== sweptCounts) {",
                        "if (deleted) rereadAll();", "if (!told) rereadAll();",
                        "else if (!unexplainedSince) unexplainedSince = Date.now();",
                        "if (sweeping && unexplainedSince && (!toldSinceLook || Date.now() - unexplainedSince >= 30000)) "
                                + "rereadAll();")
                .as("a closed level stops following").contains("level.off();", "level.refresh.cancel();")
                .as("everything is read again after the stream was down")
                .contains("if (state === 'up' && !wasUp) { rereadAll(); counts(); }");
        assertThat(changed).contains("changedRow(top, runId, isNew); else changedAll(top);", "changedAbove(parent);",
                "counts();");
        assertThat(above).contains("changedRow(level, child);")
                .as("a cycle of parents (a keyed run id reused under its old child) is walked up once, not for ever")
                .contains("p !== undefined && !seen.has(p); child = p, p = levelOf.get(p))", "seen.add(p);");
        assertThat(reread).as("a page from its own cursor, in one request the server counts at most 100 runs of")
                .contains("readPage(parent, pg.after, Math.min(BELOW_PAGE_MAX, Math.max(BELOW_PAGE, pg.ids.length)))",
                        "level.rows.set(child.runId, row(child, parent, old));");
        assertThat(runs).contains("const BELOW_PAGE_MAX = 100;").as("the page's cleanup closes the panel")
                .contains("if (belowPanel) belowPanel.close();");
        assertThat(live).contains("parentsWanted.forEach((n, parentRunId) => send({ type: 'subscribe', parentRunId }));",
                "if ((msg.type === 'child' || msg.type === 'children.changed') && msg.parentRunId === parentRunId) "
                        + "handler(msg);",
                "send({ type: 'unsubscribe', parentRunId });");
        assertThat(paced).as("one call at a time, at most one a period, pokes meanwhile make one more")
                .contains("if (running) { again = true; return; }",
                        "if (!timer) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));",
                        "if (again) poke();");
    }

    /**
     * The entry that ends an attempt (completed, retried, failed, canceled as it ran) shows the attempt's trace id, written by
     * nvent-opentelemetry, and with {@code nvent.console.trace-url} (given by GET /session) a "Trace" link made from
     * the template, opened in a new tab; the entries drawn before the session's answer are drawn again with it.
     */
    @Test
    void anAttemptsEndingEntryShowsItsTraceIdAndLinksToTheTraceWithTheDeploymentsTemplate() throws IOException {
        String runs = script("runs.js");
        String ref = ConsoleScripts.function(runs, "function traceRef(trace)");

        assertThat(runs).contains("const ATTEMPT_ENDS = ['step.completed', 'step.retry', 'step.failed', 'step.canceled'];",
                "ATTEMPT_ENDS.includes(ev.type) ? traceRef(ev.data && ev.data.trace) : null",
                "api.session().then((s) => {", "const template = s.traceUrl || null;",
                "if (!gone && template !== traceTemplate) { traceTemplate = template; redraw(); }");
        assertThat(ref).as("no trace, nothing shown").contains("if (!trace || typeof trace.traceId !== 'string') return null;")
                .as("the id without a template").contains("` · trace ${short(trace.traceId)}`",
                        "if (!traceTemplate || !HEX_ID.test(trace.traceId)) return h('span', { class: 'trace' }, ids);")
                .as("the link from the template").contains(
                        "traceTemplate.replaceAll('{traceId}', trace.traceId)",
                        ".replaceAll('{spanId}', HEX_ID.test(trace.spanId) ? trace.spanId : '')",
                        "h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'trace-link' }, 'Trace')");
    }

    /**
     * Only hex ids, as tracers write them, go into the link: an entry naming anything else (another interceptor's
     * field, a crafted entry) shows its id as text and gets no link, so it cannot point the link at another host
     * (a template with the id in the host, {@code https://{traceId}.tempo.example}) or at a script.
     */
    @Test
    void aTraceIdThatIsNotHexIsShownButNeverPutInTheLink() throws IOException {
        String runs = script("runs.js");
        String ref = ConsoleScripts.function(runs, "function traceRef(trace)");

        assertThat(runs).contains("const HEX_ID = /^[0-9a-f]{16,32}$/i;");
        assertThat(ref).contains("if (!traceTemplate || !HEX_ID.test(trace.traceId)) return h('span', { class: 'trace' }, ids);")
                .doesNotContain("encodeURIComponent");
    }

    @Test
    void theRunListFiltersByALabelKeptInItsAddressAndATagsClickFiltersInsteadOfOpeningTheRun() throws IOException {
        String runs = script("runs.js");
        String tags = ConsoleScripts.function(runs, "function labelTags(run, onPick)");

        assertThat(runs).contains("api.runsPage({ flow, status, parent, label, after, limit: PAGE })",
                "ctx.setQuery({ flow, status, parent, label, after, offset: null })", "labelTags(r, filterByLabel)",
                "h('dd', { id: 'run-labels' }, labelTags(run))");
        assertThat(tags).contains("e.stopPropagation(); onPick(l);", "href: `#/runs?label=${encodeURIComponent(l)}`");
    }

    @Test
    void theRunPageShowsWhenARunTimesOutAndATimedOutRunsHistorySaysSo() throws IOException {
        String runs = script("runs.js");
        String deadline = ConsoleScripts.function(runs, "function deadlineFact(run)");

        assertThat(runs).contains("h('dd', { id: 'run-deadline' }, deadlineFact(run))",
                "d.reason === 'timed out' ? `run timed out after ${d.timeout} (its deadline was ${d.deadline})`");
        assertThat(deadline).contains("'times out at '", "at(run.deadline)");
    }

    /**
     * "Change deadline…" is offered for an await the server says has a timeout (awaitTimeoutAt), not for one whose
     * words merely contain "times out at" (an event's name, a key) nor for a time await whose until is its resumption.
     */
    @Test
    void theRunPageOffersToChangeAnAwaitsDeadlineWhereItsWaitCarriesATimeoutNotWhereItsWordsSaySo() throws IOException {
        String hasTimeout = function("runs.js", "function hasTimeout(wait)");

        assertThat(hasTimeout).contains("return !!wait.awaitTimeoutAt;").doesNotContain("detail", "times out at",
                "wait.until");
        assertThat(function("runs.js", "function waitLink(wait)")).contains("hasTimeout(wait) ? [' ', h('a', { href: "
                + "`#/awaits?await=${encodeURIComponent(wait.awaitId)}&deadline=1`");
    }

    @Test
    void neitherPageOffersToResolveTheAwaitOfARunWaitingForItsConcurrencyKey() throws IOException {
        String waitLink = function("runs.js", "function waitLink(wait)");
        String deepLink = ConsoleScripts.between(script("awaits.js"), "if (toOpen) {", "} catch");

        assertThat(waitLink).contains("if (wait.awaitType === 'concurrency_key') return null;");
        assertThat(deepLink).containsPattern("a\\.type === 'concurrency_key'\\) toast\\(");
    }

    /**
     * A run behind another's concurrency key: its page names the runs holding the key, each a link to that run (where
     * the operator goes next), and no longer sends the operator to the step's queue, which is not what holds it.
     */
    @Test
    void aRunWaitingForAConcurrencyKeyLinksToTheRunsHoldingItNotToItsQueue() throws IOException {
        String runs = script("runs.js");
        String waitText = ConsoleScripts.function(runs, "function waitText(wait)");
        String waitLink = ConsoleScripts.function(runs, "function waitLink(wait)");

        assertThat(runs).as("the step's wait is written by waitText").contains("waitText(wait), waitLink(wait)")
                .doesNotContain("withInstants(withoutProgress(wait)), waitLink(wait)");
        assertThat(waitText).contains("wait.awaitType !== 'concurrency_key'", "text.slice(holders).matchAll(RUN_ID)",
                "h('a', { href: `#/runs/${m[0]}`, class: 'mono key-holder'");
        assertThat(waitLink.indexOf("if (wait.awaitType === 'concurrency_key') return null;"))
                .as("the queue's link comes after, for the other waits").isNotNegative()
                .isLessThan(waitLink.indexOf("if (wait.queue)"));
    }

    /**
     * A concurrency key is often a customer's or tenant's UUID (`customer:3f2a9c1e-…`): that id in the key is no run,
     * so the run's page neither shortens it nor links it as a holder; only the ids after "held by" are the holders.
     */
    @Test
    void aRunIdInAConcurrencyKeyItselfIsNeitherShortenedNorLinkedAsTheKeysHolder() throws IOException {
        String waitText = function("runs.js", "function waitText(wait)");

        assertThat(waitText).contains("text.lastIndexOf(', held by ')",
                "parts.push(withInstants(text.slice(0, holders)))", "text.slice(holders).matchAll(RUN_ID)")
                .doesNotContain("for (const m of text.matchAll(RUN_ID))");
    }

    /**
     * The dashboard's active runs: a run behind a concurrency key and one awaiting an approval's webhook were both
     * tagged "await", the difference on hover only; they are unstuck differently, so the tag says which.
     */
    @Test
    void theDashboardTagsAnAwaitingRunWithWhatItAwaitsAConcurrencyKeyOrAWebhook() throws IOException {
        String dashboard = script("dashboard.js");
        String tags = ConsoleScripts.function(dashboard, "function waitTags(run)");
        String word = ConsoleScripts.function(dashboard, "export function waitWord(wait)");

        assertThat(dashboard).contains("concurrency_key: 'concurrency key', webhook: 'await webhook', event: 'await event'",
                "children: 'child runs'");
        assertThat(word).contains("if (wait.reason === 'await' && wait.awaitType) return AWAIT_WORDS[wait.awaitType]");
        assertThat(tags).contains("const word = waitWord(w);").doesNotContain("WAIT_WORDS[reason]");
    }

    /**
     * After a partner's outage, the runs that failed at the step calling it are retried, not those that failed on
     * bad input: the flow's bulk retry offers the step (any by default), counts the runs failed at it, and sends it
     * with every page.
     */
    @Test
    void theFlowsBulkRetryRetriesOnlyTheRunsFailedAtTheStepChosenAndCountsThoseFirst() throws IOException {
        String flows = script("flows.js");
        String bulk = ConsoleScripts.function(flows, "async function bulkDialog(");
        String count = ConsoleScripts.function(flows, "async function countRuns(");

        assertThat(flows).contains("bulkDialog(name, RETRY_FAILED, () => loadRuns(), stepNames)",
                "stepNames = flow.steps.map((s) => s.name);", "byStep: 'Only the runs whose failed step is'");
        assertThat(bulk).contains("h('option', { value: '' }, 'any step')", "countRuns(flow, op.statuses, step)",
                "stepChoice.addEventListener('change'", "if (stepChoice) stepChoice.disabled = true;",
                "op.call(flow, after, withChildren, why, step)");
        assertThat(count).contains("page.runs.filter((r) => r.steps[step] === 'failed').length");
    }

    /**
     * An operator who switches the failed step twice in the bulk retry's dialog while it counts: the count of the
     * earlier choice may come back last. It must not stand in the dialog, or "12 failed runs … failed at step charge"
     * is confirmed while the click retries the failed runs at any step.
     */
    @Test
    void aCountOfAnEarlierStepChoiceAnsweredLateDoesNotStandInTheBulkRetrysConfirmation() throws IOException {
        String bulk = function("flows.js", "async function bulkDialog(");

        assertThat(bulk).contains("const asked = ++counting;", "if (asked !== counting) return;");
        assertThat(bulk.indexOf("if (asked !== counting) return;")).as("checked before the dialog shows the count")
                .isLessThan(bulk.indexOf("fill(go, op.verb(n));"));
    }

    @Test
    void theAwaitsPageShowsAnAwaitOnChildOrDescendantRunsAsSuchWithALinkToTheRunsChildren() throws IOException {
        assertThat(script("awaits.js")).contains("children: '⇶'", "children: 'resumes when the child runs its run"
                + " started have all ended", "descendants: 'resumes when every run below its run (its child runs,"
                + " theirs, and so on down) has ended");
        assertThat(awaitTypeCell()).contains("a.type === 'children' || a.type === 'descendants'",
                "href: `#/runs?parent=${a.runId}`", "'its child runs'");
    }

    /**
     * An icon from a block the usual system fonts lack (⧖ in Miscellaneous Mathematical Symbols-B, ⑃ in Optical
     * Character Recognition) showed as an empty box where the other await types showed theirs.
     */
    @Test
    void everyAwaitTypesIconIsACharacterOfTheBlocksTheOtherIconsComeFromWhichSystemFontsHave() throws IOException {
        String icons = awaitTypeIcons();
        Matcher icon = Pattern.compile("(\\w+): '([^']+)'").matcher(icons);
        java.util.Map<String, Character.UnicodeBlock> blocks = new java.util.LinkedHashMap<>();
        while (icon.find()) {
            assertThat(icon.group(2).codePointCount(0, icon.group(2).length())).as(icon.group(1)).isEqualTo(1);
            blocks.put(icon.group(1), Character.UnicodeBlock.of(icon.group(2).codePointAt(0)));
        }

        assertThat(blocks).containsKeys("time", "schedule", "webhook", "event", "concurrency_key", "children");
        assertThat(blocks).allSatisfy((type, block) -> assertThat(block).as(type).isIn(Character.UnicodeBlock.ARROWS,
                Character.UnicodeBlock.GEOMETRIC_SHAPES, Character.UnicodeBlock.DINGBATS));
    }

    /**
     * The run page's "Delete run" button showed an emoji (🗑, outside the Basic Multilingual Plane) that many servers'
     * fonts lack, as an empty box: every button's icon is one character of the blocks the console's icons come from.
     */
    @Test
    void everyButtonsIconIsACharacterOfTheBlocksTheConsolesIconsComeFromWhichSystemFontsHave() throws IOException {
        Pattern label = Pattern.compile("'(\\S+) ([A-Z][^'<>]*)'\\)");
        java.util.Map<String, Character.UnicodeBlock> blocks = new java.util.LinkedHashMap<>();
        for (String view : java.util.List.of("awaits.js", "dashboard.js", "flows.js", "queues.js", "runs.js",
                "triggers.js")) {
            Matcher button = label.matcher(script(view));
            while (button.find()) {
                String icon = button.group(1);
                if (icon.chars().allMatch(c -> c < 0x80)) {
                    continue; // "+ New trigger", or no icon at all
                }
                assertThat(icon.codePointCount(0, icon.length())).as(button.group()).isLessThanOrEqualTo(2);
                icon.codePoints().forEach(c -> blocks.put(view + " " + button.group(2), Character.UnicodeBlock.of(c)));
            }
        }

        assertThat(blocks).containsKeys("runs.js Delete run", "runs.js Cancel", "queues.js Discard");
        assertThat(blocks).allSatisfy((button, block) -> assertThat(block).as(button).isIn(
                Character.UnicodeBlock.ARROWS, Character.UnicodeBlock.SUPPLEMENTAL_ARROWS_A,
                Character.UnicodeBlock.SUPPLEMENTAL_ARROWS_B, Character.UnicodeBlock.GEOMETRIC_SHAPES,
                Character.UnicodeBlock.DINGBATS, Character.UnicodeBlock.MISCELLANEOUS_SYMBOLS));
    }

    /** A concurrency-key await showed as bare text where every other type showed as a coloured chip. */
    @Test
    void everyAwaitTypeHasItsOwnColouredChipAsTheOthersDo() throws IOException {
        String icons = awaitTypeIcons();
        String css;
        try (java.io.InputStream in = ConsoleRunPageTest.class.getResourceAsStream("/META-INF/nvent-ui/app.css")) {
            css = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Matcher type = Pattern.compile("(\\w+): '").matcher(icons);
        java.util.List<String> types = new java.util.ArrayList<>();
        while (type.find()) {
            types.add(type.group(1));
        }

        assertThat(types).contains("concurrency_key", "children").allSatisfy(t -> assertThat(css).as(t)
                .containsPattern("\\.atype\\." + t + "\\b[^{]*\\{[^}]*background:"));
    }

    @Test
    void theAwaitsPageNamesTheRunHoldingTheKeyARunWaitsForAndLinksToIt() throws IOException {
        String typeCell = awaitTypeCell();

        assertThat(typeCell).contains("a.concurrencyKeyHolder ? ", "'held by run '",
                "href: `#/runs/${a.concurrencyKeyHolder}`");
    }

    @Test
    void theAwaitsPageNamesEveryRunHoldingAKeyHeldBySeveralOfTheLimitOfARunAboveOne() throws IOException {
        String typeCell = awaitTypeCell();
        String holders = function("awaits.js", "function keyHolders(a)");

        assertThat(typeCell).contains("(a.concurrencyKeyHolders || []).length > 1 ? keyHolders(a)");
        assertThat(holders).contains("a.concurrencyKeyHolders.flatMap(", "href: `#/runs/${holder}`",
                "a.concurrencyLimit > 1 ? `${a.concurrencyKeyHolders.length} of ${a.concurrencyLimit}`",
                "`held by ${count} runs: `");
    }

    @Test
    void pausingOrResumingAQueueAndTheBulkAndClearHistoryDialogsAskForAReasonAndSendItWithEveryRequest()
            throws IOException {
        String queues = script("queues.js");
        String flows = script("flows.js");
        String api = ConsoleScripts.js("api.js");
        String pauseDialog = ConsoleScripts.function(queues, "function pauseDialog(");
        String bulk = ConsoleScripts.function(flows, "async function bulkDialog(");
        String clear = ConsoleScripts.function(flows, "function clearHistoryDialog(");

        assertThat(api).contains("pause: (name, reason) => act('POST', `/queues/${e(name)}/pause`, { reason })",
                "resume: (name, reason) => act('POST', `/queues/${e(name)}/resume`, { reason })",
                "discardJob: (name, id, reason) =>");
        assertThat(pauseDialog).contains("api.resume(name, reason) : api.pause(name, reason)", "reason: true");
        assertThat(queues).as("both pause buttons ask first").contains("pauseDialog(q.name, q.paused, after)",
                "pauseDialog(name, queue.paused, loadQueue)").doesNotContain("api.pause(q.name)", "api.pause(name)")
                .contains("id: 'confirm-discard', reason: true");
        assertThat(bulk).contains("const reason = reasonField();", "reason.el, progress", "const why = reason.value();",
                "op.call(flow, after, withChildren, why, step)");
        assertThat(flows).contains("api.retryFailed(flow, { after, limit: BULK_PAGE, step: step || undefined, reason })",
                "children: children ? 'true' : null, reason })");
        assertThat(clear).contains("const reason = reasonField();", "api.clearHistory(flow, { reason: why })");
    }

    @Test
    void settingAQueuesWorkersAsksFirstWithAReasonAndAnEmptyOrBadFieldSetsNothing() throws IOException {
        String queues = script("queues.js");
        String control = ConsoleScripts.function(queues, "function workersControl(");
        String dialog = ConsoleScripts.function(queues, "function workersDialog(");

        assertThat(control).as("both buttons ask first").contains("workersDialog(queue.name, workers, after)",
                "workersDialog(queue.name, null, after)").doesNotContain("api.setWorkers", "api.removeWorkers",
                "Number(input.value)");
        assertThat(control).as("an empty field is no 0").contains("Number.isInteger(workers)");
        assertThat(dialog).contains("api.removeWorkers(name, reason) : api.setWorkers(name, workers, reason)",
                "reason: true");
    }

    /**
     * The console shows run ids shortened (`dbdfe39e…`), and an operator in an incident copies them from the screen:
     * Find opens the run among the newest 1,000 whose id starts so (after the idempotency keys, which come first), lists
     * them when several do, and says where the whole id is when none does, rather than that no such run exists.
     */
    @Test
    void findOpensARunByTheShortIdTheConsoleShowsAmongTheNewestRunsAfterTheIdempotencyKeys() throws IOException {
        String runs = script("runs.js");
        String find = ConsoleScripts.function(runs, "function findRunForm(chosenFlow)");

        // a whole id (36 characters) that opens no run is no start of one: "paste the whole id" would answer it
        assertThat(runs).contains("const SHORT_RUN_ID = /^([0-9a-f]{8}(?:-[0-9a-f-]{0,26})?)(?:…|\\.\\.\\.)?$/;",
                "const SHORT_ID_SCAN = 1000;");
        assertThat(find.indexOf("const prefix = found.length ? null : text.match(SHORT_RUN_ID);"))
                .as("an idempotency key that looks like a short id still finds its run first")
                .isGreaterThan(find.indexOf("api.runs({ flow: f, idempotencyKey: text, limit: 1 })"));
        assertThat(find).contains("api.runsPage({ flow: chosenFlow() || undefined, limit: SHORT_ID_SCAN })",
                "runs.filter((r) => r.runId.startsWith(prefix[1]))", "runs start with ${prefix[1]}: ",
                "paste the whole id (a short id's tooltip, or its run's page, has it)");
    }

    /**
     * An operator raising a queue's workers in an incident sees, without hovering, whether the number in the field is
     * one set at run time and what the configuration says, and how many run on this instance now.
     */
    @Test
    void aQueuesWorkersControlSaysInSightWhetherTheyWereSetAtRunTimeAndWhatIsConfigured() throws IOException {
        String control = function("queues.js", "function workersControl(");

        assertThat(control).contains("id: 'queue-workers-note'",
                "` set at run time; configured ${queue.workers}, running here ${queue.workersHere}`",
                "` as configured; running here ${queue.workersHere}`");
    }

    /**
     * An operator finds a queue paused, or its workers set to 0: the Queues screen and the queue's page say who did
     * it, when and why ("paused by alice at 14:02:00: supplier outage"), or that who did it is unknown.
     */
    @Test
    void theQueuesScreenAndAQueuesPageSayWhoPausedItOrSetItsWorkersWhenAndWhy() throws IOException {
        String queues = script("queues.js");
        String note = ConsoleScripts.function(queues, "function changeNote(");

        assertThat(note).contains("` ${done} by unknown`", "` ${done}${change.by ? ` by ${change.by}` : ''} at `",
                "at(change.at)", "change.reason ? `: ${change.reason}` : ''");
        assertThat(ConsoleScripts.function(queues, "export function queuesView("))
                .as("the Queues screen").contains("changeNote(q.pause, 'paused')",
                        "changeNote(q.workersChange, `workers set to ${q.workersOverride}`)");
        assertThat(queues).as("the queue's page").contains("changeNote(queue.pause, 'paused', 'queue-pause-note')");
        assertThat(ConsoleScripts.function(queues, "function workersControl("))
                .contains("changeNote(queue.workersChange, 'set', 'queue-workers-change')");
    }

    @Test
    void theReasonARerunDialogAsksForIsSentAndATriggersHistoryShowsWhoActedAsARunsDoes() throws IOException {
        String runs = script("runs.js");
        String triggers = script("triggers.js");
        String api = ConsoleScripts.js("api.js");
        String rerun = ConsoleScripts.between(runs, "id: 'rerun-step'", "'⤼ Rerun from…'");
        String triggerHistory = ConsoleScripts.between(triggers, "const renderHistory", "lastSeq = newest;");

        assertThat(runs).as("the step dialog of a rerun shows a Reason field").contains("const reason = reasonField();")
                .as("the run page's Retry beside a failed step asks for one too")
                .contains("api.retryStep(runId, s.name, reason)", "{ id: 'confirm-retry-step', reason: true }")
                .doesNotContain("api.retryStep(runId, s.name)");
        assertThat(rerun).as("what the operator typed is sent").contains("(s, reason) => api.rerun(runId, s, key(s), reason)");
        assertThat(api).contains("rerun: (id, step, key, reason) => act('POST', `/runs/${e(id)}/steps/${e(step)}/rerun`, { reason }, undefined, key)");
        assertThat(triggerHistory).as("by alice — holiday freeze").contains("byOperator(e.data)");
        assertThat(runs).contains("describe(ev), byOperator(ev.data)");
    }

    @Test
    void everyReasonTravelsInTheNventReasonHeaderAndAJobsRetryARedriveAndATriggersFireSwitchAndFormAskForOne()
            throws IOException {
        String api = ConsoleScripts.js("api.js");
        String queues = script("queues.js");
        String triggers = script("triggers.js");
        String setEnabled = ConsoleScripts.function(triggers, "function setEnabled(");
        String fire = ConsoleScripts.function(triggers, "export async function fireDialog(");

        assertThat(api).as("in the query a long reason overran the request line")
                .contains("init.headers['Nvent-Reason'] = encodeURIComponent(reason)",
                        "const { reason, ...query } = params;")
                .doesNotContain("q({ reason })", "reason })}`");
        assertThat(api).contains("retryJob: (name, id, reason) =>", "redrive: (name, reason, limit = 500) =>",
                "enableTrigger: (name, reason) =>", "disableTrigger: (name, reason) =>",
                "fireTrigger: (name, json, key, reason) =>", "updateTrigger: (name, spec, reason) =>");
        assertThat(queues).contains("api.retryJob(name, job.jobId, reason)", "id: 'confirm-retry-job', reason: true",
                "redriveAll(button, reason)", "api.redrive(name, reason)", "id: 'confirm-redrive', reason: true");
        assertThat(setEnabled).contains("api.enableTrigger(t.name, reason) : api.disableTrigger(t.name, reason)",
                "reason: true");
        assertThat(triggers).as("the switch and both buttons ask first").contains("setEnabled(t, false, load)",
                "setEnabled(t, true, load)", "setEnabled(t, on, load)").doesNotContain("api.disableTrigger(name)",
                "api.enableTrigger(name)");
        assertThat(fire).contains("const reason = reasonField();", "editor.el, reason.el",
                "api.fireTrigger(t.name, payload, key(payload), reason.value())");
        assertThat(triggers).contains("api.updateTrigger(existing.name, spec(), reason.value())", "errorBox, reason.el");
    }

    @Test
    void theTriggerEditorPreviewsACronAgainWhenItsExclusionRulesWereEditedWhileAnIntervalWasChosen() throws IOException {
        String triggers = script("triggers.js");
        String checkCron = ConsoleScripts.between(triggers, "function checkCron(", "function showRulesRefused(");
        String scheduleKind = ConsoleScripts.between(triggers, "function renderScheduleKind()", "function checkCron(");

        // Typing rules at an interval previews the interval only: back at the cron, a preview made with other rules
        // would mark (or leave unmarked) the ticks of rules no longer there.
        assertThat(checkCron).as("a cron's preview remembers the rules it was made with")
                .contains("const rulesText = excludeInput.value;", "rules: rulesText");
        assertThat(scheduleKind).as("and is made again when they changed since")
                .contains("cron.rules !== excludeInput.value");
    }

    @Test
    void theTriggerEditorShowsTheServersRefusalOfAnIntervalAtTheIntervalNotAtItsExclusionRules() throws IOException {
        String checkEvery = ConsoleScripts.between(script("triggers.js"), "function checkEvery()", "function renderScheduleKind()");

        // A 400 of an interval preview is its rules' (NVENT-0236, NVENT-0419) or the interval's own (NVENT-1124, longer
        // than a create takes): the Except field must not show the latter as a refused rule.
        assertThat(checkEvery).contains("const everyRefused = e instanceof ApiError && e.status === 400"
                + " && /NVENT-1124/.test(e.message);", "rulesRefused: e instanceof ApiError && e.status === 400"
                + " && !everyRefused", "if (p.everyRefused) showEveryRefused(p.unmarked);");
    }

    @Test
    void aTriggersBackfillDialogAsksForAReasonAndSendsItInTheNventReasonHeaderWithEveryPage() throws IOException {
        String api = ConsoleScripts.js("api.js");
        String backfill = function("triggers.js", "export function backfillDialog(");

        assertThat(api).contains("backfill: (name, params, reason) => act('POST', `/triggers/${e(name)}/backfill`,"
                + " { ...params, reason })");
        assertThat(backfill).contains("const reason = reasonField();", "reason.el, preview, progress", "reason.value());")
                .as("one reason for every page, read once per page's call").doesNotContain("q({ reason");
    }
}
