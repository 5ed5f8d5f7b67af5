package io.nvent.war.stories;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.util.Map;

/** A small tree of runs for the console's Runs below panel: a root, two branches, one of which starts a leaf. */
public final class TreeFlows {

    private TreeFlows() {
    }

    /** The root starts two branches, the first with one leaf below it, the second with none. */
    @FlowStep(flow = "story-tree", name = "branch-out", role = StepRole.ENTRY)
    public static class Root implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("story-tree-branch", Map.of("leaves", 1));
            ctx.startFlow("story-tree-branch", Map.of("leaves", 0));
            return "branched";
        }
    }

    /** A branch starts as many leaves as its input says. */
    @FlowStep(flow = "story-tree-branch", name = "grow", role = StepRole.ENTRY)
    public static class Branch implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            int leaves = ((Number) input.get("leaves")).intValue();
            for (int i = 0; i < leaves; i++) {
                ctx.startFlow("story-tree-leaf", Map.of("leaf", i));
            }
            return leaves + " leaves";
        }
    }

    /** A leaf completes at once. */
    @FlowStep(flow = "story-tree-leaf", name = "fall", role = StepRole.ENTRY)
    public static class Leaf implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "fallen";
        }
    }

    /** Starts one held leaf and completes: the leaf waits below it until its await is resolved. */
    @FlowStep(flow = "story-tree-held", name = "hold", role = StepRole.ENTRY)
    public static class HeldRoot implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("story-tree-held-leaf", Map.of());
            return "holding";
        }
    }

    /** A leaf that waits for an operator (or its webhook) before it falls. */
    @FlowStep(flow = "story-tree-held-leaf", name = "fall", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    public static class HeldLeaf implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "fallen";
        }
    }
}
