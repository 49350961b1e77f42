"""The claims service: claiming (认领), the intention meeting (认领意向会), implementation under supervision (督导), evaluation (总结评估)."""
