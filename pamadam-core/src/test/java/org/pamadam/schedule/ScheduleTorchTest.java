package org.pamadam.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schedule against the learning rates torch.optim.lr_scheduler gave each optimizer step, as
 * recorded by tools/record_schedules.py (torch 1.13, Debian's python3-torch).
 */
class ScheduleTorchTest {
    static final double BOUND = 1e-9;

    static Stream<Arguments> configs() throws IOException {
        try (InputStream in = ScheduleTorchTest.class.getResourceAsStream("/schedules/torch_schedules.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<Arguments> out = new ArrayList<>();
            for (JsonNode c : root.get("configs")) {
                out.add(Arguments.of(c.get("name").asText(), c));
            }
            return out.stream();
        }
    }

    /** The Java value for a recorded spec, from torch's argument names. */
    static Schedule build(JsonNode spec) {
        switch (spec.get("type").asText()) {
            case "constant":
                return Schedule.constant();
            case "linear":
                return new Linear(spec.get("start_factor").asDouble(), spec.get("end_factor").asDouble(),
                        spec.get("total_iters").asLong());
            case "cosine":
                return Schedule.cosine(spec.get("T_max").asLong(), spec.get("eta_min").asDouble());
            case "step":
                return Schedule.step(spec.get("step_size").asLong(), spec.get("gamma").asDouble());
            case "exp":
                return Schedule.exponential(spec.get("gamma").asDouble());
            case "sequential":
                List<Schedule> children = new ArrayList<>();
                spec.get("schedulers").forEach(c -> children.add(build(c)));
                List<Long> milestones = new ArrayList<>();
                spec.get("milestones").forEach(m -> milestones.add(m.asLong()));
                return Schedule.sequential(children, milestones);
            default:
                throw new IllegalArgumentException("unknown recorded schedule " + spec);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void matchesTorchAtEveryStep(String name, JsonNode config) {
        Schedule schedule = build(config.get("schedule"));
        double base = config.get("base_lr").asDouble();
        JsonNode lrs = config.get("lrs");
        assertEquals(config.get("steps").asInt(), lrs.size(), name + ": recorded steps");
        assertTrue(lrs.size() >= 20, name + ": too short to test anything");
        double worst = 0;
        for (int t = 0; t < lrs.size(); t++) {
            double expected = lrs.get(t).asDouble();
            double actual = schedule.lr(base, t);
            double rel = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
            if (!(rel <= BOUND)) {
                fail(String.format("%s: step %d: lr %s, torch %s (relative error %.3g > %.0e)", name, t, actual,
                        expected, rel, BOUND));
            }
            worst = Math.max(worst, rel);
        }
        System.out.printf("%-55s %5d steps, worst relative error %.3g%n", name, lrs.size(), worst);
    }
}
