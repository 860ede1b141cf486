//! Report jobs: one live job per (connection, request key), and leases that let several
//! pollers share a database without working on the same job at once.

use patchbay_gateway::store::{JobStatus, JobStep, NewReportJob, StoreError};

use super::new_store;

#[tokio::test]
async fn live_keys_are_unique_and_leases_keep_pollers_apart() {
    let store = new_store().await;
    let (t, _) = store.create_tenant("T").await.unwrap();
    let (conn, _) = store
        .upsert_connection(&t.id, "dialpad", "u1", &[])
        .await
        .unwrap();
    let job = |key: &'static str, now: i64| NewReportJob {
        tenant_id: &t.id,
        connection_id: &conn.id,
        connector_id: "dialpad",
        owner_id: "u1",
        kind: "dialpadStats",
        request: "{}",
        provider_request: "{}",
        request_key: key,
        now,
        expires_at: now + 1_000,
        lease_owner: "maker",
        lease_until: now + 100,
    };
    let a = store.insert_report_job(&job("k1", 0)).await.unwrap();
    assert!(matches!(
        store.insert_report_job(&job("k1", 0)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store
            .live_report_job(&conn.id, "k1", 500)
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    // Once the window is over the key is free again.
    assert!(
        store
            .live_report_job(&conn.id, "k1", 1_000)
            .await
            .unwrap()
            .is_none()
    );
    let b = store.insert_report_job(&job("k1", 1_000)).await.unwrap();
    assert_ne!(a.id, b.id);

    // Both jobs are due once their maker's lease ends; one poller gets them, the other none.
    let first = store
        .claim_report_jobs("p1", 1_200, 5_000, 8)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    assert!(
        store
            .claim_report_jobs("p2", 1_200, 5_000, 8)
            .await
            .unwrap()
            .is_empty()
    );
    let step = JobStep {
        status: JobStatus::Processing,
        provider_job_id: Some("r1".into()),
        failure: None,
        next_poll_at: Some(2_000),
        polls: 1,
        csv_bytes: None,
        completed_at: None,
    };
    // Only the holder writes a step back.
    assert!(
        !store
            .finish_report_step(&a.id, "p2", &step, 1_300)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_report_step(&a.id, "p1", &step, 1_300)
            .await
            .unwrap()
    );
    // A lease that ran out is taken over.
    let taken = store
        .claim_report_jobs("p2", 5_001, 9_000, 8)
        .await
        .unwrap();
    assert_eq!(taken.len(), 2);
    assert!(
        taken
            .iter()
            .any(|j| j.provider_job_id.as_deref() == Some("r1") && j.polls == 1)
    );
    // Another tenant cannot read them.
    let (other, _) = store.create_tenant("U").await.unwrap();
    assert!(store.report_job(&other.id, &a.id).await.unwrap().is_none());
}
