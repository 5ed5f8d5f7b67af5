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
        String panel = ConsoleScripts.between(runs, "function runsBelowPanel(root, summary, list, gone)", "\n}\n");
        String node = ConsoleScripts.between(runs, "function runBelow(child, old, onToggle)", "\n}\n");
        String line = ConsoleScripts.between(runs, "function descendantsLine(d)", "\n}\n");

        assertThat(ConsoleScripts.between(runs, "const lookForChildren", "async function refresh()"))
                .as("shown once the run is found to have children").contains("showRunsBelow();");
        assertThat(show).contains("belowCard.style.display = '';",
                "belowPanel = runsBelowPanel(runId, belowSummary, belowTree, () => gone);");
        assertThat(panel).contains("api.descendants(root)", "fill(summary, descendantsLine(d));");
        assertThat(line).contains("`descendants: ${num(d.descendants)}, under way: ${num(d.underWay)}, completed"
                + " ${num(d.completed)} / failed ${num(d.failed)} / canceled ${num(d.canceled)}`", "d.depthLimitReached ?");
        assertThat(panel).as("a page of children, each counted, after the cursor of the one before")
                .contains("api.runsPage({ parent, limit, descendants: 'true', after: after || undefined })",
                        "page(parent, after, BELOW_PAGE)", "loadPage(parent, level, level.next)", "if (gone() ||")
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
     * seen by the counts, read again every 5 s while runs below are under way, which then read every opened level if
     * they moved.
     */
    @Test
    void theRunsBelowFollowTheLiveStreamAndReadEachOpenedLevelAgainAtMostOnceASecond() throws IOException {
        String runs = script("runs.js");
        String panel = ConsoleScripts.between(runs, "function runsBelowPanel(root, summary, list, gone)", "\n}\n");
        String changed = ConsoleScripts.between(panel, "const changed = (parent) => {", "\n  };");
        String reload = ConsoleScripts.between(panel, "const reload = async (parent, level) => {", "\n  };");
        String live = ConsoleScripts.js("live.js");
        String paced = ConsoleScripts.between(ConsoleScripts.js("ui.js"), "export function paced(fn, ms)", "\n}\n");

        assertThat(panel).as("each opened level follows its children's status changes")
                .contains("level.off = live.children(parent, () => changed(parent));",
                        "level.refresh = paced(() => reload(parent, level), 1000);")
                .as("the counts at most once a second, and every 5 s while runs below are under way")
                .contains("const counts = paced(() => api.descendants(root)",
                        "if (d.underWay > 0) countTimer = setTimeout(() => { sweeping = true; counts(); }, 5000);",
                        "if (sweeping && sweptCounts && now !== sweptCounts) levels.forEach((level) => level.refresh());")
                .as("a closed level stops following").contains("level.off();", "level.refresh.cancel();")
                .as("everything is read again after the stream was down")
                .contains("if (state === 'up' && !wasUp) { levels.forEach((level) => level.refresh()); counts(); }");
        assertThat(changed).contains("level.refresh();", "counts();")
                .as("a cycle of parents (a keyed run id reused under its old child) is walked up once, not for ever")
                .contains("for (let p = parent; p !== undefined && !seen.has(p); p = levelOf.get(p))", "seen.add(p);");
        assertThat(reload).as("the pages shown, in requests the server counts at most 100 runs of")
                .contains("const want = Math.max(level.shown, BELOW_PAGE);",
                        "Math.min(BELOW_PAGE_MAX, want - fresh.length)", "const li = row(child, parent, old);");
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
        String ref = ConsoleScripts.between(runs, "function traceRef(trace)", "\n}\n");

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
        String ref = ConsoleScripts.between(runs, "function traceRef(trace)", "\n}\n");

        assertThat(runs).contains("const HEX_ID = /^[0-9a-f]{16,32}$/i;");
        assertThat(ref).contains("if (!traceTemplate || !HEX_ID.test(trace.traceId)) return h('span', { class: 'trace' }, ids);")
                .doesNotContain("encodeURIComponent");
    }

    @Test
    void theRunListFiltersByALabelKeptInItsAddressAndATagsClickFiltersInsteadOfOpeningTheRun() throws IOException {
        String runs = script("runs.js");
        String tags = ConsoleScripts.between(runs, "function labelTags(run, onPick)", "\n}\n");

        assertThat(runs).contains("api.runsPage({ flow, status, parent, label, after, limit: PAGE })",
                "ctx.setQuery({ flow, status, parent, label, after, offset: null })", "labelTags(r, filterByLabel)",
                "h('dd', { id: 'run-labels' }, labelTags(run))");
        assertThat(tags).contains("e.stopPropagation(); onPick(l);", "href: `#/runs?label=${encodeURIComponent(l)}`");
    }

    @Test
    void theRunPageShowsWhenARunTimesOutAndATimedOutRunsHistorySaysSo() throws IOException {
        String runs = script("runs.js");
        String deadline = ConsoleScripts.between(runs, "function deadlineFact(run)", "\n}\n");

        assertThat(runs).contains("h('dd', { id: 'run-deadline' }, deadlineFact(run))",
                "d.reason === 'timed out' ? `run timed out after ${d.timeout} (its deadline was ${d.deadline})`");
        assertThat(deadline).contains("'times out at '", "at(run.deadline)");
    }

    @Test
    void neitherPageOffersToResolveTheAwaitOfARunWaitingForItsConcurrencyKey() throws IOException {
        String waitLink = ConsoleScripts.between(script("runs.js"), "function waitLink(wait)", "\n}\n");
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
        String waitText = ConsoleScripts.between(runs, "function waitText(wait)", "\n}\n");
        String waitLink = ConsoleScripts.between(runs, "function waitLink(wait)", "\n}\n");

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
        String waitText = ConsoleScripts.between(script("runs.js"), "function waitText(wait)", "\n}\n");

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
        String tags = ConsoleScripts.between(dashboard, "function waitTags(run)", "\n}\n");
        String word = ConsoleScripts.between(dashboard, "export function waitWord(wait)", "\n}\n");

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
        String bulk = ConsoleScripts.between(flows, "async function bulkDialog(", "\n}\n");
        String count = ConsoleScripts.between(flows, "async function countRuns(", "\n}\n");

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
        String bulk = ConsoleScripts.between(script("flows.js"), "async function bulkDialog(", "\n}\n");

        assertThat(bulk).contains("const asked = ++counting;", "if (asked !== counting) return;");
        assertThat(bulk.indexOf("if (asked !== counting) return;")).as("checked before the dialog shows the count")
                .isLessThan(bulk.indexOf("fill(go, op.verb(n));"));
    }

    @Test
    void theAwaitsPageShowsAnAwaitOnChildRunsWithALinkToTheRunsChildren() throws IOException {
        String awaits = script("awaits.js");
        String typeCell = ConsoleScripts.between(awaits, "h('td', {}, awaitType(a.type)", "all ? h('td'");

        assertThat(awaits).contains("children: '⇶'", "children: 'resumes when the child runs its run started have all"
                + " ended");
        assertThat(typeCell).contains("a.type === 'children'", "href: `#/runs?parent=${a.runId}`", "'its child runs'");
    }

    /**
     * An icon from a block the usual system fonts lack (⧖ in Miscellaneous Mathematical Symbols-B, ⑃ in Optical
     * Character Recognition) showed as an empty box where the other await types showed theirs.
     */
    @Test
    void everyAwaitTypesIconIsACharacterOfTheBlocksTheOtherIconsComeFromWhichSystemFontsHave() throws IOException {
        String icons = ConsoleScripts.between(script("awaits.js"), "const TYPE_ICON = {", "};");
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
        String icons = ConsoleScripts.between(script("awaits.js"), "const TYPE_ICON = {", "};");
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
    void theAwaitsPageShowsAnAwaitOnDescendantRunsAsSuchWithALinkToTheRunsChildren() throws IOException {
        String awaits = script("awaits.js");
        String typeCell = ConsoleScripts.between(awaits, "h('td', {}, awaitType(a.type)", "all ? h('td'");

        assertThat(awaits).contains("descendants: 'resumes when every run below its run (its child runs, theirs, and"
                + " so on down) has ended");
        assertThat(typeCell).contains("a.type === 'children' || a.type === 'descendants'");
    }

    @Test
    void theAwaitsPageNamesTheRunHoldingTheKeyARunWaitsForAndLinksToIt() throws IOException {
        String typeCell = ConsoleScripts.between(script("awaits.js"), "h('td', {}, awaitType(a.type)", "all ? h('td'");

        assertThat(typeCell).contains("a.concurrencyKeyHolder ? ", "'held by run '",
                "href: `#/runs/${a.concurrencyKeyHolder}`");
    }

    @Test
    void theAwaitsPageNamesEveryRunHoldingAKeyHeldBySeveralOfTheLimitOfARunAboveOne() throws IOException {
        String typeCell = ConsoleScripts.between(script("awaits.js"), "h('td', {}, awaitType(a.type)", "all ? h('td'");
        String holders = ConsoleScripts.between(script("awaits.js"), "function keyHolders(a)", "\n}\n");

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
        String pauseDialog = ConsoleScripts.between(queues, "function pauseDialog(", "\n}\n");
        String bulk = ConsoleScripts.between(flows, "async function bulkDialog(", "\n}\n");
        String clear = ConsoleScripts.between(flows, "function clearHistoryDialog(", "\n}\n");

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
        String control = ConsoleScripts.between(queues, "function workersControl(", "\n}\n");
        String dialog = ConsoleScripts.between(queues, "function workersDialog(", "\n}\n");

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
        String find = ConsoleScripts.between(runs, "function findRunForm(chosenFlow)", "\n}\n");

        // a whole id (36 characters) that opens no run is no start of one: "paste the whole id" would answer it
        assertThat(runs).contains("const SHORT_RUN_ID = /^([0-9a-f]{8}(?:-[0-9a-f-]{0,26})?)…?$/;",
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
        String control = ConsoleScripts.between(script("queues.js"), "function workersControl(", "\n}\n");

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
        String note = ConsoleScripts.between(queues, "function changeNote(", "\n}\n");

        assertThat(note).contains("` ${done} by unknown`", "` ${done}${change.by ? ` by ${change.by}` : ''} at `",
                "at(change.at)", "change.reason ? `: ${change.reason}` : ''");
        assertThat(ConsoleScripts.between(queues, "export function queuesView(", "\n}\n"))
                .as("the Queues screen").contains("changeNote(q.pause, 'paused')",
                        "changeNote(q.workersChange, `workers set to ${q.workersOverride}`)");
        assertThat(queues).as("the queue's page").contains("changeNote(queue.pause, 'paused', 'queue-pause-note')");
        assertThat(ConsoleScripts.between(queues, "function workersControl(", "\n}\n"))
                .contains("changeNote(queue.workersChange, 'set', 'queue-workers-change')");
    }

    @Test
    void theReasonARerunDialogAsksForIsSentAndATriggersHistoryShowsWhoActedAsARunsDoes() throws IOException {
        String runs = script("runs.js");
        String triggers = script("triggers.js");
        String api = ConsoleScripts.js("api.js");
        String rerun = ConsoleScripts.between(runs, "id: 'rerun-step'", "'⤼ Rerun from…'");
        String triggerHistory = ConsoleScripts.between(triggers, "const renderHistory", "lastSeq = newest;");

        assertThat(runs).as("the step dialog of a rerun shows a Reason field").contains("const reason = reasonField();");
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
        String setEnabled = ConsoleScripts.between(triggers, "function setEnabled(", "\n}\n");
        String fire = ConsoleScripts.between(triggers, "export async function fireDialog(", "\n}\n");

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
        String backfill = ConsoleScripts.between(script("triggers.js"), "export function backfillDialog(", "\n}\n");

        assertThat(api).contains("backfill: (name, params, reason) => act('POST', `/triggers/${e(name)}/backfill`,"
                + " { ...params, reason })");
        assertThat(backfill).contains("const reason = reasonField();", "reason.el, preview, progress", "reason.value());")
                .as("one reason for every page, read once per page's call").doesNotContain("q({ reason");
    }
}
