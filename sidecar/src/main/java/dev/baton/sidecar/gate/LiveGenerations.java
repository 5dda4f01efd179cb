package dev.baton.sidecar.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a gate sees when the next generation would start: its number, the generation serving now (null
 * when none does), and the older ones still draining (told to stop, or about to be, not exited yet).
 */
public record LiveGenerations(int next, Generation serving, List<Generation> draining) {

    /** One live generation: its number and its worker's pid. */
    public record Generation(int generation, int pid) {
    }

    public LiveGenerations {
        draining = List.copyOf(draining);
    }

    /** Generations alive now (the serving one and the draining ones). */
    public int alive() {
        return (serving == null ? 0 : 1) + draining.size();
    }

    /** The serving generation's worker pid and the draining ones', for measuring them. */
    public List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        if (serving != null) {
            pids.add(serving.pid());
        }
        draining.forEach(d -> pids.add(d.pid()));
        return pids;
    }

    /** "generation 2" or "generations 2 and 3": the ones a waiting reload waits for. */
    public String drainingText() {
        List<String> numbers = draining.stream().map(d -> Integer.toString(d.generation())).toList();
        if (numbers.size() == 1) {
            return "generation " + numbers.get(0);
        }
        return "generations " + numbers.subList(0, numbers.size() - 1).stream().collect(Collectors.joining(", "))
                + " and " + numbers.get(numbers.size() - 1);
    }
}
