package dev.tokenledger.faults;

/** One fault the suite drives real processes through, with its figures and checks. */
interface FaultCase {

  String name();

  /** One line for the list of cases: what is done and what must hold. */
  String description();

  /** Runs on the shared cluster; apps it starts are stopped by the suite afterwards. */
  void run(SuiteEnvironment environment, Scale scale, CaseResult result) throws Exception;
}
