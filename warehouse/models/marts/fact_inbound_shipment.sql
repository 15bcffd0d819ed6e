-- One row per vendor shipment to a store: promised and actual delivery, lead time and whether it
-- came on time. A shipment read again while in transit is output only when it changed.
with shipments as (
    select * from {{ ref('stg_inbound_shipments') }}
),

first_products as (
    select product_id, min(valid_from) as first_from from {{ ref('dim_product') }} group by product_id
),

joined as (
    select
        -- ids and keys
        x.shipment_id,
        v.vendor_key,
        p.product_key,
        s.store_key,
        cast(strftime(x.shipped_on, '%Y%m%d') as integer) as shipped_date_key,
        cast(strftime(x.promised_on, '%Y%m%d') as integer) as promised_date_key,
        cast(strftime(x.delivered_on, '%Y%m%d') as integer) as delivered_date_key,
        -- days
        x.shipped_on,
        x.promised_on,
        x.delivered_on,
        -- attributes
        x.status,
        -- measures
        x.quantity,
        cast(x.promised_on - x.shipped_on as integer) as promised_lead_days,
        cast(x.delivered_on - x.shipped_on as integer) as lead_time_days,
        cast(case when x.delivered_on is not null then greatest(x.delivered_on - x.promised_on, 0) end as integer) as days_late,
        x.delivered_on <= x.promised_on as on_time
    from shipments x
    left join {{ ref('dim_vendor') }} v on v.vendor_id = x.vendor_id
    left join {{ ref('dim_store') }} s on s.store_id = x.store_id
    left join first_products fp on fp.product_id = x.product_id
    -- a moment before the first version is read as its start: plain comparisons keep this a hash join (an OR made it a nested loop)
    left join {{ ref('dim_product') }} p
        on p.product_id = x.product_id
       and greatest(cast(x.shipped_on as timestamp), fp.first_from) >= p.valid_from
       and greatest(cast(x.shipped_on as timestamp), fp.first_from) < p.valid_to
),

final as (
    select * from joined
    except
    select * from {{ this }}
)

select * from final
