package dev.baton.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Progress of a Reload. It is the operator's only memory: patched after every pod step, so an operator
 * restarted mid-rollout resumes from it and never reloads a pod twice.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReloadStatus {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  private String phase;
  private Integer total;
  private Integer succeeded;
  private Integer failed;
  private List<PodResult> pods = new ArrayList<>();
  private String startTime;
  private String completionTime;
  private List<Condition> conditions = new ArrayList<>();
  private Long observedGeneration;

  @JsonIgnore
  public boolean isDone() {
    return SUCCEEDED.equals(phase) || FAILED.equals(phase);
  }

  @JsonIgnore
  public PodResult pod(String name) {
    return pods.stream().filter(p -> name.equals(p.getPod())).findFirst().orElse(null);
  }

  public String getPhase() { return phase; }
  public void setPhase(String phase) { this.phase = phase; }
  public Integer getTotal() { return total; }
  public void setTotal(Integer total) { this.total = total; }
  public Integer getSucceeded() { return succeeded; }
  public void setSucceeded(Integer succeeded) { this.succeeded = succeeded; }
  public Integer getFailed() { return failed; }
  public void setFailed(Integer failed) { this.failed = failed; }
  public List<PodResult> getPods() { return pods; }
  public void setPods(List<PodResult> pods) { this.pods = pods == null ? new ArrayList<>() : pods; }
  public String getStartTime() { return startTime; }
  public void setStartTime(String startTime) { this.startTime = startTime; }
  public String getCompletionTime() { return completionTime; }
  public void setCompletionTime(String completionTime) { this.completionTime = completionTime; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions == null ? new ArrayList<>() : conditions; }
  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
}
