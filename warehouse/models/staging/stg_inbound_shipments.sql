-- Vendors' shipments to stores, typed: one row per shipment in its latest state.
with source as (
    select * from {{ source('inbound_shipments') }}
),

final as (
    select
        -- ids
        shipment_id,
        vendor_id,
        product_id,
        store_id,
        -- attributes
        status,
        -- measures
        quantity,
        -- days
        cast(shipped_on as date) as shipped_on,
        cast(promised_on as date) as promised_on,
        cast(delivered_on as date) as delivered_on
    from source
    qualify row_number() over (partition by shipment_id) = 1
)

select * from final
